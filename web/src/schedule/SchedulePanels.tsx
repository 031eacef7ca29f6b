// The schedule screen's panels beside its rows: the revisions and the exchange of files
// (export and import). `permissions` are the caller's in the project (my_permissions).
import { Stack } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { ExchangePanel } from "./ExchangePanel";
import { RevisionsPanel } from "./RevisionsPanel";
import { scheduleKey } from "./exchange";

export function SchedulePanels({
  projectId,
  scheduleId,
  permissions,
}: {
  projectId: string;
  scheduleId: string;
  permissions: readonly string[];
}) {
  const queryClient = useQueryClient();
  const can = (permission: string) => permissions.includes(permission);
  return (
    <Stack gap="xl">
      <RevisionsPanel
        projectId={projectId}
        scheduleId={scheduleId}
        canManage={can("schedules.manage")}
        canExport={can("schedules.export")}
      />
      <ExchangePanel
        projectId={projectId}
        scheduleId={scheduleId}
        canEdit={can("schedules.edit")}
        canExport={can("schedules.export")}
        // An import changed the rows (and the schedule's version): read them again.
        onImported={() => {
          void queryClient.invalidateQueries({ queryKey: scheduleKey(projectId, scheduleId) });
        }}
      />
    </Stack>
  );
}
