// Members (GET /api/projects/{id}/members): each one's role and whether they must use a
// second factor (PATCH, `members.manage`), and removing them (DELETE; their access ends
// at once). A change that would leave nobody to manage members is refused (409).
import { Alert, Checkbox, Select, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { formatDate } from "../format";
import { ConfirmButton, Loading, Refusal, roleName, useRoles, useT, type ProjectOut } from "./common";

type MemberPatch = components["schemas"]["MemberPatch"];

export const membersKey = (projectId: string) => ["projects", projectId, "members"] as const;

export function ProjectMembers({ project }: { project: ProjectOut }) {
  const { t } = useT();
  const queryClient = useQueryClient();
  const canManage = project.my_permissions.includes("members.manage");
  const roles = useRoles(project.org_id);
  const members = useQuery({
    queryKey: membersKey(project.id),
    queryFn: () =>
      unwrap(
        api.GET("/projects/{project_id}/members", {
          params: { path: { project_id: project.id }, query: { limit: 500 } },
        }),
      ),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: membersKey(project.id) });
  const change = useMutation({
    mutationFn: ({ userId, body }: { userId: string; body: MemberPatch }) =>
      unwrap(
        api.PATCH("/projects/{project_id}/members/{user_id}", {
          params: { path: { project_id: project.id, user_id: userId } },
          body,
        }),
      ),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (userId: string) =>
      unwrap(
        api.DELETE("/projects/{project_id}/members/{user_id}", {
          params: { path: { project_id: project.id, user_id: userId } },
        }),
      ),
    onSettled: refresh,
  });
  const options = (roles.data?.items ?? []).map((role) => ({ value: role.id, label: roleName(role) }));
  const explain = { conflict: "members.lastManager", forbidden: "members.forbidden" } as const;
  return (
    <Stack>
      <Title order={2}>{t("members.title")}</Title>
      {members.isPending && <Loading />}
      <Refusal error={members.error} explain={{ not_found: "project.gone" }} />
      <Refusal error={change.error} explain={explain} />
      <Refusal error={remove.error} explain={explain} />
      {(change.isSuccess || remove.isSuccess) && (
        <Alert color="green" variant="light" role="status">
          {remove.isSuccess ? t("members.removed") : t("members.changed")}
        </Alert>
      )}
      {members.data && (
        <Table captionSide="top">
          <Table.Caption>{t("members.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("members.name")}</Table.Th>
              <Table.Th scope="col">{t("members.email")}</Table.Th>
              <Table.Th scope="col">{t("members.role")}</Table.Th>
              <Table.Th scope="col">{t("members.require2fa")}</Table.Th>
              <Table.Th scope="col">{t("members.added")}</Table.Th>
              {canManage && <Table.Th scope="col">{t("common.actions")}</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data.items.map((member) => (
              <Table.Tr key={member.user_id}>
                <Table.Th scope="row">{member.display_name}</Table.Th>
                <Table.Td>{member.email}</Table.Td>
                <Table.Td>
                  {canManage && options.length > 0 ? (
                    <Select
                      aria-label={t("members.roleOf", { name: member.display_name })}
                      data={options}
                      value={member.role.id}
                      allowDeselect={false}
                      disabled={change.isPending}
                      onChange={(value) => {
                        if (value !== null && value !== member.role.id) {
                          change.mutate({ userId: member.user_id, body: { role_id: value } });
                        }
                      }}
                    />
                  ) : (
                    member.role.name
                  )}
                </Table.Td>
                <Table.Td>
                  <Checkbox
                    aria-label={t("members.require2faOf", { name: member.display_name })}
                    checked={member.require_2fa}
                    disabled={!canManage || change.isPending}
                    onChange={(event) => {
                      change.mutate({
                        userId: member.user_id,
                        body: { require_2fa: event.currentTarget.checked },
                      });
                    }}
                  />
                </Table.Td>
                <Table.Td>{formatDate(member.added_at)}</Table.Td>
                {canManage && (
                  <Table.Td>
                    <ConfirmButton
                      confirm={t("members.confirmRemove", { name: member.display_name })}
                      loading={remove.isPending && remove.variables === member.user_id}
                      onConfirm={() => { remove.mutate(member.user_id); }}
                    >
                      {t("members.remove", { name: member.display_name })}
                    </ConfirmButton>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
