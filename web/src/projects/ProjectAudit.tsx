// The audit log (GET /api/projects/{id}/audit, `audit.view`): newest first, a page at a
// time by cursor. Actors are named from the member list when they are still members.
import { Button, Code, Stack, Table, Title } from "@mantine/core";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { formatDateTime } from "../format";
import { membersKey } from "./ProjectMembers";
import { Loading, Refusal, useT, type ProjectOut } from "./common";

const PAGE = 25;

export function ProjectAudit({ project }: { project: ProjectOut }) {
  const { t, i18n } = useT();
  const path = { project_id: project.id };
  const events = useInfiniteQuery({
    queryKey: ["projects", project.id, "audit"],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/projects/{project_id}/audit", {
          params: { path, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const members = useQuery({
    queryKey: membersKey(project.id),
    enabled: project.my_permissions.includes("members.view"),
    queryFn: () =>
      unwrap(api.GET("/projects/{project_id}/members", { params: { path, query: { limit: 500 } } })),
  });
  const names = new Map((members.data?.items ?? []).map((m) => [m.user_id, m.display_name]));
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];
  const action = (key: string) =>
    i18n.exists(`audit.action.${key}`, { ns: "projects" }) ? t(`audit.action.${key}`) : key;
  return (
    <Stack>
      <Title order={2}>{t("audit.title")}</Title>
      {events.isPending && <Loading />}
      <Refusal error={events.error} explain={{ not_found: "project.gone" }} />
      {events.isSuccess && items.length === 0 && <p>{t("audit.none")}</p>}
      {items.length > 0 && (
        <Table captionSide="top" striped>
          <Table.Caption>{t("audit.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("audit.at")}</Table.Th>
              <Table.Th scope="col">{t("audit.event")}</Table.Th>
              <Table.Th scope="col">{t("audit.actor")}</Table.Th>
              <Table.Th scope="col">{t("audit.details")}</Table.Th>
              <Table.Th scope="col">{t("audit.ip")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((event) => (
              <Table.Tr key={event.id}>
                <Table.Td>{formatDateTime(event.at)}</Table.Td>
                <Table.Td>{action(event.action)}</Table.Td>
                <Table.Td>
                  {event.actor_id === null
                    ? t("audit.system")
                    : (names.get(event.actor_id) ?? t("audit.former"))}
                </Table.Td>
                <Table.Td>
                  {Object.entries(event.details).map(([name, value]) => (
                    <div key={name}>
                      <Code>{name}</Code> {typeof value === "string" ? value : JSON.stringify(value)}
                    </div>
                  ))}
                </Table.Td>
                <Table.Td>{event.ip ?? ""}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {events.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          loading={events.isFetchingNextPage}
          onClick={() => { void events.fetchNextPage(); }}
        >
          {t("common.more")}
        </Button>
      )}
    </Stack>
  );
}
