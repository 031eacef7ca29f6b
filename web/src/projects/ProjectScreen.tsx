// One project (GET /api/projects/{id}) with a tab for each part: settings and the 2FA
// policy, members, invitations, the audit log, the schedules and the files. The tab is in the
// address (`?tab=`), so a reload or a shared link opens the same one. Tabs the caller's
// role gives no permission for are left out.
import { Anchor, Badge, Group, Stack, Tabs, Text, Title } from "@mantine/core";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiProblem } from "../api/problem";
import { ProjectAudit } from "./ProjectAudit";
import { ProjectFiles } from "./ProjectFiles";
import { ProjectInvitations } from "./ProjectInvitations";
import { ProjectMembers } from "./ProjectMembers";
import { ProjectSchedules } from "./ProjectSchedules";
import { ProjectSettings } from "./ProjectSettings";
import { LockIcon, Loading, Refusal, useProject, useT } from "./common";

const TABS = ["schedules", "files", "settings", "members", "invitations", "audit"] as const;
type Tab = (typeof TABS)[number];
const NEEDS: Record<Tab, string> = {
  schedules: "schedules.view",
  files: "files.view",
  settings: "project.view",
  members: "members.view",
  invitations: "members.invite",
  audit: "audit.view",
};

function isTab(value: string | null): value is Tab {
  return TABS.some((tab) => tab === value);
}

export function ProjectScreen() {
  const { t } = useT();
  const projectId = useParams().projectId ?? "";
  const [params, setParams] = useSearchParams();
  const project = useProject(projectId);
  const asked = params.get("tab");
  const tab: Tab = isTab(asked) ? asked : "schedules";
  const gone = project.error instanceof ApiProblem && project.error.status === 404;
  const data = project.data;
  const permissions = new Set(data?.my_permissions ?? []);
  const shown = TABS.filter((name) => permissions.has(NEEDS[name]));
  return (
    <Stack component="section" aria-labelledby="project-title">
      <Anchor component={Link} to="/projects">
        {t("project.back")}
      </Anchor>
      {project.isPending && <Loading />}
      {gone ? (
        <Stack>
          <Title order={1} id="project-title">
            {t("project.goneTitle")}
          </Title>
          <Refusal error={project.error} explain={{ not_found: "project.gone" }} />
        </Stack>
      ) : (
        <Refusal error={project.error} />
      )}
      {data && (
        <>
          <Group gap="sm">
            <Title order={1} id="project-title">
              {data.name}
            </Title>
            {data.require_2fa && (
              <Badge variant="light" leftSection={<LockIcon />}>
                {data.require_totp ? t("list.requiresTotp") : t("list.requires2fa")}
              </Badge>
            )}
          </Group>
          <Text size="sm">
            {data.number ? `${t("project.number")}: ${data.number} · ` : ""}
            {t("project.yourRole", { role: data.my_role.name })}
          </Text>
          <Tabs
            value={tab}
            keepMounted={false}
            onChange={(value) => {
              if (isTab(value)) setParams({ tab: value }, { replace: true });
            }}
          >
            <Tabs.List aria-label={t("project.tabs")}>
              {shown.map((name) => (
                <Tabs.Tab key={name} value={name}>
                  {t(`project.tab.${name}`)}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            <Tabs.Panel value="schedules" pt="md">
              <ProjectSchedules project={data} />
            </Tabs.Panel>
            <Tabs.Panel value="files" pt="md">
              <ProjectFiles project={data} />
            </Tabs.Panel>
            <Tabs.Panel value="settings" pt="md">
              <ProjectSettings project={data} />
            </Tabs.Panel>
            <Tabs.Panel value="members" pt="md">
              <ProjectMembers project={data} />
            </Tabs.Panel>
            <Tabs.Panel value="invitations" pt="md">
              <ProjectInvitations project={data} />
            </Tabs.Panel>
            <Tabs.Panel value="audit" pt="md">
              <ProjectAudit project={data} />
            </Tabs.Panel>
          </Tabs>
        </>
      )}
    </Stack>
  );
}
