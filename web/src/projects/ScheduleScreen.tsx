// /projects/:projectId/schedules/:scheduleId: the schedule's frame. The editor of its
// rows (the next part of issue 17) comes here.
import { Anchor, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { SchedulePanels } from "../schedule/SchedulePanels";
import { Loading, Refusal, useProject, useT } from "./common";

export function ScheduleScreen() {
  const { t } = useT();
  const { projectId = "", scheduleId = "" } = useParams();
  const project = useProject(projectId); // TEMP: the panels' permissions until the editor lands
  const schedule = useQuery({
    queryKey: ["projects", projectId, "schedules", scheduleId],
    queryFn: () =>
      unwrap(
        api.GET("/projects/{project_id}/schedules/{schedule_id}", {
          params: { path: { project_id: projectId, schedule_id: scheduleId } },
        }),
      ),
  });
  return (
    <Stack component="section" aria-labelledby="schedule-title">
      <Anchor component={Link} to={`/projects/${projectId}?tab=schedules`}>
        {t("schedule.back")}
      </Anchor>
      {schedule.isPending && <Loading />}
      <Refusal error={schedule.error} explain={{ not_found: "schedule.gone" }} />
      <Title order={1} id="schedule-title">
        {schedule.data?.name ?? t("schedule.title")}
      </Title>
      <Text>{t("schedule.placeholder")}</Text>
      {schedule.data && project.data && (
        <SchedulePanels
          projectId={projectId}
          scheduleId={scheduleId}
          permissions={project.data.my_permissions}
        />
      )}
    </Stack>
  );
}
