// The signed-in start page: the caller's projects (GET /api/projects), a page at a time.
// A project whose second-factor gate refuses this session comes as a GatedProject: its
// name and requirements only (the step-up dialog, still to build, opens the rest).
import { Alert, Anchor, Badge, Button, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { formatDate } from "../format";
import { ProblemAlert } from "../shell/ProblemAlert";

export function Projects() {
  const { t } = useTranslation();
  const projects = useInfiniteQuery({
    queryKey: ["projects"],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/projects", { params: { query: { limit: 50, cursor: pageParam } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const items = projects.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack component="section" aria-labelledby="projects-title">
      <Title order={1} id="projects-title">
        {t("projects.title")}
      </Title>
      {projects.isPending && <Loader aria-label={t("common.loading")} role="status" />}
      <ProblemAlert error={projects.error} />
      {projects.isSuccess && items.length === 0 && (
        <Alert color="blue" variant="light" role="status">
          {t("projects.empty")}
        </Alert>
      )}
      {items.length > 0 && (
        <Table striped highlightOnHover captionSide="top">
          <Table.Caption>{t("projects.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("projects.name")}</Table.Th>
              <Table.Th scope="col">{t("projects.number")}</Table.Th>
              <Table.Th scope="col">{t("projects.role")}</Table.Th>
              <Table.Th scope="col">{t("projects.twoFactor")}</Table.Th>
              <Table.Th scope="col">{t("projects.created")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((project) => (
              <Table.Tr key={project.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/projects/${project.id}`}>
                    {project.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{"number" in project ? (project.number ?? "") : ""}</Table.Td>
                <Table.Td>{"my_role" in project ? project.my_role.name : ""}</Table.Td>
                <Table.Td>
                  {project.require_2fa ? (
                    project.mfa_satisfied ? (
                      <Badge variant="light">{t("projects.required")}</Badge>
                    ) : (
                      <Badge color="red" variant="light">
                        {t("projects.missingFactor")}
                      </Badge>
                    )
                  ) : (
                    <Text size="sm">{t("projects.notRequired")}</Text>
                  )}
                </Table.Td>
                <Table.Td>{"created_at" in project ? formatDate(project.created_at) : ""}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {projects.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          loading={projects.isFetchingNextPage}
          onClick={() => { void projects.fetchNextPage(); }}
        >
          {t("projects.more")}
        </Button>
      )}
    </Stack>
  );
}
