// One project (GET /api/projects/{id}): the frame the project screens will fill.
import { Anchor, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ProblemAlert } from "../shell/ProblemAlert";

export function Project() {
  const { t } = useTranslation();
  const projectId = useParams().projectId ?? "";
  const project = useQuery({
    queryKey: ["projects", projectId],
    queryFn: () =>
      unwrap(api.GET("/projects/{project_id}", { params: { path: { project_id: projectId } } })),
  });
  return (
    <Stack component="section" aria-labelledby="project-title">
      <Anchor component={Link} to="/projects">
        {t("project.back")}
      </Anchor>
      {project.isPending && <Loader aria-label={t("common.loading")} role="status" />}
      <ProblemAlert error={project.error} />
      {project.data && (
        <>
          <Title order={1} id="project-title">
            {project.data.name}
          </Title>
          {project.data.number && (
            <Text>
              {t("project.number")}: {project.data.number}
            </Text>
          )}
          {project.data.description && <Text>{project.data.description}</Text>}
          <Text>{t("project.comingSoon")}</Text>
        </>
      )}
    </Stack>
  );
}
