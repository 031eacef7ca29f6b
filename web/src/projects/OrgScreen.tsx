// One organisation: its members and their org role (GET/PUT /api/orgs/{id}/members),
// and the roles as a matrix, permissions (rows, GET /api/permissions) × roles (columns),
// a checkbox in each cell (PATCH /api/orgs/{id}/roles/{role}); custom roles are created,
// renamed and deleted below it. Only the organisation's admins change anything.
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Select,
  Stack,
  Table,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import type { components } from "../api/schema";
import { formatDate } from "../format";
import { currentLanguage } from "../i18n";
import { ApiTextInput } from "../shell/fields";
import { ConfirmButton, Loading, Refusal, roleName, rolesKey, useRoles, useT, type RoleOut } from "./common";

type Permission = components["schemas"]["Permission"];
type OrgRole = components["schemas"]["OrgMemberUpdate"]["org_role"];

interface Toggle {
  role: RoleOut;
  permission: string;
  description: string;
  on: boolean;
}

export function OrgScreen() {
  const { t } = useT();
  const orgId = useParams().orgId ?? "";
  const org = useQuery({
    queryKey: ["orgs", orgId],
    queryFn: () => unwrap(api.GET("/orgs/{org_id}", { params: { path: { org_id: orgId } } })),
  });
  const admin = org.data?.my_org_role === "admin";
  return (
    <Stack component="section" aria-labelledby="org-title" gap="xl">
      <Anchor component={Link} to="/orgs">
        {t("orgs.back")}
      </Anchor>
      {org.isPending && <Loading />}
      <Refusal error={org.error} explain={{ not_found: "orgs.gone" }} />
      {org.data && (
        <>
          <Title order={1} id="org-title">
            {org.data.name}
          </Title>
          {!admin && (
            <Alert color="blue" variant="light" role="note">
              {t("orgs.readOnly")}
            </Alert>
          )}
          <OrgMembers orgId={orgId} admin={admin} />
          <RoleMatrix orgId={orgId} admin={admin} />
          {admin && <CustomRoles orgId={orgId} />}
        </>
      )}
    </Stack>
  );
}

function OrgMembers({ orgId, admin }: { orgId: string; admin: boolean }) {
  const { t } = useT();
  const queryClient = useQueryClient();
  const key = ["orgs", orgId, "members"];
  const members = useQuery({
    queryKey: key,
    queryFn: () =>
      unwrap(
        api.GET("/orgs/{org_id}/members", {
          params: { path: { org_id: orgId }, query: { limit: 500 } },
        }),
      ),
  });
  const change = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: OrgRole }) =>
      unwrap(
        api.PUT("/orgs/{org_id}/members/{user_id}", {
          params: { path: { org_id: orgId, user_id: userId } },
          body: { org_role: role },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const options = [
    { value: "admin", label: t("orgs.role.admin") },
    { value: "member", label: t("orgs.role.member") },
  ];
  return (
    <Stack>
      <Title order={2}>{t("orgs.membersTitle")}</Title>
      {members.isPending && <Loading />}
      <Refusal error={members.error} />
      <Refusal error={change.error} explain={{ conflict: "orgs.demoteRefused", forbidden: "orgs.adminsOnly" }} />
      {members.data && (
        <Table captionSide="top">
          <Table.Caption>{t("orgs.membersCaption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("members.name")}</Table.Th>
              <Table.Th scope="col">{t("members.email")}</Table.Th>
              <Table.Th scope="col">{t("orgs.orgRole")}</Table.Th>
              <Table.Th scope="col">{t("members.added")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data.items.map((member) => (
              <Table.Tr key={member.user_id}>
                <Table.Th scope="row">{member.display_name}</Table.Th>
                <Table.Td>{member.email}</Table.Td>
                <Table.Td>
                  {admin ? (
                    <Select
                      aria-label={t("orgs.orgRoleOf", { name: member.display_name })}
                      data={options}
                      value={member.org_role}
                      allowDeselect={false}
                      disabled={change.isPending}
                      onChange={(value) => {
                        if ((value === "admin" || value === "member") && value !== member.org_role) {
                          change.mutate({ userId: member.user_id, role: value });
                        }
                      }}
                    />
                  ) : (
                    t(`orgs.role.${member.org_role}`)
                  )}
                </Table.Td>
                <Table.Td>{formatDate(member.added_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function RoleMatrix({ orgId, admin }: { orgId: string; admin: boolean }) {
  const { t } = useT();
  const queryClient = useQueryClient();
  const roles = useRoles(orgId);
  const catalogue = useQuery({
    queryKey: ["permissions"],
    staleTime: Infinity,
    queryFn: () => unwrap(api.GET("/permissions")),
  });
  const [changed, setChanged] = useState<string | null>(null);
  const toggle = useMutation({
    mutationFn: ({ role, permission, on }: Toggle) => {
      const next = on
        ? [...role.permissions, permission]
        : role.permissions.filter((held) => held !== permission);
      return unwrap(
        api.PATCH("/orgs/{org_id}/roles/{role_id}", {
          params: { path: { org_id: orgId, role_id: role.id } },
          body: { permissions: next as Permission[] },
        }),
      );
    },
    onMutate: () => { setChanged(null); },
    onSuccess: (role, { description, on }) => {
      setChanged(
        t(on ? "roles.granted" : "roles.revoked", { role: roleName(role), permission: description }),
      );
    },
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: rolesKey(orgId) });
      setPending(null);
    },
  });
  // The box shows the change at once; the answer (or the refusal) settles it.
  const [pending, setPending] = useState<Toggle | null>(null);
  const held = (role: RoleOut, permission: string) =>
    pending !== null && pending.role.id === role.id && pending.permission === permission
      ? pending.on
      : role.permissions.includes(permission);
  const english = currentLanguage() === "en";
  const columns = roles.data?.items ?? [];
  const rows = catalogue.data ?? [];
  return (
    <Stack>
      <Title order={2}>{t("roles.title")}</Title>
      <p>{t("roles.intro")}</p>
      {(roles.isPending || catalogue.isPending) && <Loading />}
      <Refusal error={roles.error ?? catalogue.error} />
      <Refusal
        error={toggle.error}
        explain={{ forbidden: "roles.escalation", conflict: "roles.lastManager" }}
      />
      {toggle.error instanceof ApiProblem && toggle.error.detail && english && (
        <Alert color="gray" variant="light">
          {toggle.error.detail}
        </Alert>
      )}
      {changed && (
        <Alert color="green" variant="light" role="status">
          {changed}
        </Alert>
      )}
      {columns.length > 0 && rows.length > 0 && (
        <div className="table-scroll">
          <Table captionSide="top" withColumnBorders>
            <Table.Caption>{t("roles.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("roles.permission")}</Table.Th>
                {columns.map((role) => (
                  <Table.Th scope="col" key={role.id}>
                    {roleName(role)}
                    {!role.builtin && (
                      <>
                        {" "}
                        <Badge size="xs" variant="light">
                          {t("roles.custom")}
                        </Badge>
                      </>
                    )}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((permission) => {
                const description = english ? permission.description : permission.description_sv;
                return (
                  <Table.Tr key={permission.key}>
                    <Table.Th scope="row">
                      <div>{description}</div>
                      <code className="permission-key">{permission.key}</code>
                    </Table.Th>
                    {columns.map((role) => (
                      <Table.Td key={role.id}>
                        <Checkbox
                          aria-label={t("roles.cell", { role: roleName(role), permission: description })}
                          checked={held(role, permission.key)}
                          disabled={!admin || pending !== null}
                          onChange={(event) => {
                            const change = {
                              role,
                              permission: permission.key,
                              description,
                              on: event.currentTarget.checked,
                            };
                            setPending(change);
                            toggle.mutate(change);
                          }}
                        />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Stack>
  );
}

function CustomRoles({ orgId }: { orgId: string }) {
  const { t } = useT();
  const queryClient = useQueryClient();
  const roles = useRoles(orgId);
  const refresh = () => queryClient.invalidateQueries({ queryKey: rolesKey(orgId) });
  const [nameSv, setNameSv] = useState("");
  const [nameEn, setNameEn] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const [editSv, setEditSv] = useState("");
  const [editEn, setEditEn] = useState("");
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/orgs/{org_id}/roles", {
          params: { path: { org_id: orgId } },
          body: { name_sv: nameSv, name_en: nameEn, description: "", permissions: ["project.view"] },
        }),
      ),
    onSuccess: () => {
      setNameSv("");
      setNameEn("");
      void refresh();
    },
  });
  const rename = useMutation({
    mutationFn: (roleId: string) =>
      unwrap(
        api.PATCH("/orgs/{org_id}/roles/{role_id}", {
          params: { path: { org_id: orgId, role_id: roleId } },
          body: { name_sv: editSv, name_en: editEn },
        }),
      ),
    onSuccess: () => {
      setEditing(null);
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (roleId: string) =>
      unwrap(
        api.DELETE("/orgs/{org_id}/roles/{role_id}", {
          params: { path: { org_id: orgId, role_id: roleId } },
        }),
      ),
    onSettled: refresh,
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const custom = (roles.data?.items ?? []).filter((role) => !role.builtin);
  return (
    <Stack>
      <Title order={2}>{t("roles.customTitle")}</Title>
      <p>{t("roles.customIntro")}</p>
      <Refusal error={rename.error} />
      <Refusal error={remove.error} explain={{ conflict: "roles.inUse" }} />
      {custom.length > 0 && (
        <Table captionSide="top">
          <Table.Caption>{t("roles.customCaption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("roles.nameSv")}</Table.Th>
              <Table.Th scope="col">{t("roles.nameEn")}</Table.Th>
              <Table.Th scope="col">{t("common.actions")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {custom.map((role) =>
              editing === role.id ? (
                <Table.Tr key={role.id}>
                  <Table.Td>
                    <ApiTextInput
                      label={t("roles.nameSv")}
                      required
                      value={editSv}
                      onValue={setEditSv}
                      refusal={rename.error}
                      field="name_sv"
                    />
                  </Table.Td>
                  <Table.Td>
                    <ApiTextInput
                      label={t("roles.nameEn")}
                      required
                      value={editEn}
                      onValue={setEditEn}
                      refusal={rename.error}
                      field="name_en"
                    />
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Button size="xs" loading={rename.isPending} onClick={() => { rename.mutate(role.id); }}>
                        {t("common.save")}
                      </Button>
                      <Button size="xs" variant="default" onClick={() => { setEditing(null); }}>
                        {t("common.cancel")}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ) : (
                <Table.Tr key={role.id}>
                  <Table.Th scope="row">{role.name_sv}</Table.Th>
                  <Table.Td>{role.name_en}</Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => {
                          setEditing(role.id);
                          setEditSv(role.name_sv);
                          setEditEn(role.name_en);
                          rename.reset();
                        }}
                      >
                        {t("roles.rename", { name: roleName(role) })}
                      </Button>
                      <ConfirmButton
                        confirm={t("roles.confirmDelete", { name: roleName(role) })}
                        loading={remove.isPending && remove.variables === role.id}
                        onConfirm={() => { remove.mutate(role.id); }}
                      >
                        {t("roles.delete", { name: roleName(role) })}
                      </ConfirmButton>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ),
            )}
          </Table.Tbody>
        </Table>
      )}
      <form onSubmit={submit} aria-labelledby="new-role-title">
        <Stack maw="40rem">
          <Title order={3} id="new-role-title">
            {t("roles.createTitle")}
          </Title>
          <Refusal error={create.error} />
          <ApiTextInput
            label={t("roles.nameSv")}
            required
            value={nameSv}
            onValue={setNameSv}
            refusal={create.error}
            field="name_sv"
          />
          <ApiTextInput
            label={t("roles.nameEn")}
            required
            value={nameEn}
            onValue={setNameEn}
            refusal={create.error}
            field="name_en"
          />
          <Button type="submit" loading={create.isPending} w="fit-content">
            {t("roles.create")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}
