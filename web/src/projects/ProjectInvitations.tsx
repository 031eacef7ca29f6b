// Invitations: invite by e-mail with a role and, if wanted, a second factor (POST
// /api/projects/{id}/invitations, `members.invite`; the token goes only by e-mail), the
// pending ones (GET) and revoking one (DELETE).
import { Alert, Button, Checkbox, Select, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { api, unwrap } from "../api/client";
import { formatDateTime } from "../format";
import { fieldError } from "../shell/forms";
import { ApiTextInput } from "../shell/fields";
import { ConfirmButton, Loading, Refusal, roleName, useRoles, useT, type ProjectOut } from "./common";

export function ProjectInvitations({ project }: { project: ProjectOut }) {
  const { t } = useT();
  const queryClient = useQueryClient();
  const roles = useRoles(project.org_id);
  const key = ["projects", project.id, "invitations"];
  const path = { project_id: project.id };
  const pending = useQuery({
    queryKey: key,
    queryFn: () =>
      unwrap(
        api.GET("/projects/{project_id}/invitations", { params: { path, query: { limit: 500 } } }),
      ),
  });
  const [email, setEmail] = useState("");
  const [roleId, setRoleId] = useState<string | null>(null);
  const [require2fa, setRequire2fa] = useState(project.require_2fa);
  const options = (roles.data?.items ?? []).map((role) => ({ value: role.id, label: roleName(role) }));
  const fallback = roles.data?.items.find((role) => role.key === "editor")?.id ?? options[0]?.value;
  const chosen = roleId ?? fallback ?? null;
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/projects/{project_id}/invitations", {
          params: { path },
          body: { email, role_id: chosen ?? "", require_2fa: require2fa },
        }),
      ),
    onSuccess: () => {
      setEmail("");
      void queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (invitationId: string) =>
      unwrap(
        api.DELETE("/projects/{project_id}/invitations/{invitation_id}", {
          params: { path: { project_id: project.id, invitation_id: invitationId } },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    send.mutate();
  };
  return (
    <Stack gap="xl">
      <form onSubmit={submit} aria-labelledby="invite-title">
        <Stack maw="40rem">
          <Title order={2} id="invite-title">
            {t("invitations.title")}
          </Title>
          <Refusal
            error={send.error}
            explain={{ conflict: "invitations.alreadyMember", forbidden: "invitations.forbidden" }}
          />
          {send.isSuccess && (
            <Alert color="green" variant="light" role="status">
              {t("invitations.sent", { email: send.data.email })}
            </Alert>
          )}
          <ApiTextInput
            label={t("members.email")}
            type="email"
            required
            value={email}
            onValue={setEmail}
            refusal={send.error}
            field="email"
          />
          <Select
            label={t("members.role")}
            data={options}
            value={chosen}
            onChange={setRoleId}
            allowDeselect={false}
            required
            error={fieldError(send.error, "role_id")}
          />
          <Checkbox
            label={t("invitations.require2fa")}
            description={t("invitations.require2faHint")}
            checked={require2fa}
            onChange={(event) => { setRequire2fa(event.currentTarget.checked); }}
          />
          <Button type="submit" loading={send.isPending} w="fit-content">
            {t("invitations.send")}
          </Button>
        </Stack>
      </form>
      <Stack>
        <Title order={2}>{t("invitations.pendingTitle")}</Title>
        {pending.isPending && <Loading />}
        <Refusal error={pending.error} explain={{ not_found: "project.gone" }} />
        <Refusal error={revoke.error} />
        {pending.data?.items.length === 0 && <p>{t("invitations.none")}</p>}
        {pending.data && pending.data.items.length > 0 && (
          <Table captionSide="top">
            <Table.Caption>{t("invitations.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("members.email")}</Table.Th>
                <Table.Th scope="col">{t("members.role")}</Table.Th>
                <Table.Th scope="col">{t("members.require2fa")}</Table.Th>
                <Table.Th scope="col">{t("invite.expires")}</Table.Th>
                <Table.Th scope="col">{t("common.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pending.data.items.map((invitation) => (
                <Table.Tr key={invitation.id}>
                  <Table.Th scope="row">{invitation.email}</Table.Th>
                  <Table.Td>{invitation.role.name}</Table.Td>
                  <Table.Td>{invitation.require_2fa ? t("common.yes") : t("common.no")}</Table.Td>
                  <Table.Td>{formatDateTime(invitation.expires_at)}</Table.Td>
                  <Table.Td>
                    <ConfirmButton
                      confirm={t("invitations.confirmRevoke", { email: invitation.email })}
                      loading={revoke.isPending && revoke.variables === invitation.id}
                      onConfirm={() => { revoke.mutate(invitation.id); }}
                    >
                      {t("invitations.revoke", { email: invitation.email })}
                    </ConfirmButton>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Stack>
  );
}
