// The signed-in start page: invitations waiting for the caller, the caller's projects
// (GET /api/projects, a page at a time) with a lock badge where a project requires a
// second factor and a hint when this session has none, and a form for a new project.
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
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { useSession } from "../api/session";
import { formatDate } from "../format";
import { fieldError } from "../shell/forms";
import { ApiTextInput } from "../shell/fields";
import { LockIcon, Loading, Refusal, isFull, pendingInvitation, useOrgs, useT } from "./common";

export function ProjectsScreen() {
  const { t } = useT();
  const session = useSession();
  const mfa = session.data?.session.mfa ?? false;
  const projects = useInfiniteQuery({
    queryKey: ["projects"],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/projects", { params: { query: { limit: 50, cursor: pageParam } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const items = projects.data?.pages.flatMap((page) => page.items) ?? [];
  const anyLocked = items.some((project) => project.require_2fa);
  return (
    <Stack component="section" aria-labelledby="projects-title">
      <Title order={1} id="projects-title">
        {t("list.title")}
      </Title>
      <PendingInvitationNotice />
      <MyInvitations />
      {projects.isPending && <Loading />}
      <Refusal error={projects.error} />
      {projects.isSuccess && items.length === 0 && (
        <Alert color="blue" variant="light" role="status">
          {t("list.empty")}
        </Alert>
      )}
      {anyLocked && !mfa && (
        <Alert color="yellow" variant="light" role="note" title={t("list.noFactorTitle")}>
          {t("list.noFactor")}
        </Alert>
      )}
      {items.length > 0 && (
        <Table striped highlightOnHover captionSide="top">
          <Table.Caption>{t("list.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("list.name")}</Table.Th>
              <Table.Th scope="col">{t("list.number")}</Table.Th>
              <Table.Th scope="col">{t("list.role")}</Table.Th>
              <Table.Th scope="col">{t("list.twoFactor")}</Table.Th>
              <Table.Th scope="col">{t("list.created")}</Table.Th>
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
                <Table.Td>{isFull(project) ? (project.number ?? "") : ""}</Table.Td>
                <Table.Td>{isFull(project) ? project.my_role.name : ""}</Table.Td>
                <Table.Td>
                  {project.require_2fa ? (
                    <Group gap="xs">
                      <Badge variant="light" leftSection={<LockIcon />}>
                        {project.require_totp ? t("list.requiresTotp") : t("list.requires2fa")}
                      </Badge>
                      {!project.mfa_satisfied && (
                        <Badge color="red" variant="light">
                          {t("list.missingFactor")}
                        </Badge>
                      )}
                    </Group>
                  ) : (
                    <Text size="sm">{t("list.notRequired")}</Text>
                  )}
                </Table.Td>
                <Table.Td>{isFull(project) ? formatDate(project.created_at) : ""}</Table.Td>
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
          {t("common.more")}
        </Button>
      )}
      <CreateProject />
    </Stack>
  );
}

/** An invitation link opened before signing in: the way back to it. */
function PendingInvitationNotice() {
  const { t } = useT();
  if (pendingInvitation() === null) return null;
  return (
    <Alert color="blue" variant="light" role="status" title={t("list.pendingTitle")}>
      <Stack gap="xs">
        <Text size="sm">{t("list.pendingBody")}</Text>
        <Button component={Link} to="/invite" w="fit-content">
          {t("list.pendingOpen")}
        </Button>
      </Stack>
    </Alert>
  );
}

/** GET /api/me/invitations: invitations to the caller's address, accepted by id. */
function MyInvitations() {
  const { t } = useT();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const invitations = useQuery({
    queryKey: ["me", "invitations"],
    queryFn: () => unwrap(api.GET("/me/invitations")),
  });
  const accept = useMutation({
    mutationFn: (invitationId: string) =>
      unwrap(api.POST("/invitations/accept", { body: { invitation_id: invitationId } })),
    onSuccess: (answer) => {
      void queryClient.invalidateQueries({ queryKey: ["projects"] });
      void queryClient.invalidateQueries({ queryKey: ["me", "invitations"] });
      void navigate(`/projects/${answer.project.id}`);
    },
  });
  const items = invitations.data?.items ?? [];
  if (items.length === 0 && !accept.error) return null;
  return (
    <Stack component="section" aria-labelledby="my-invitations-title" gap="xs">
      <Title order={2} id="my-invitations-title">
        {t("list.invitationsTitle")}
      </Title>
      <Refusal error={accept.error} explain={{ forbidden: "invite.otherAddress", conflict: "invite.alreadyMember" }} />
      <Table captionSide="top">
        <Table.Caption>{t("list.invitationsCaption")}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("list.name")}</Table.Th>
            <Table.Th scope="col">{t("invite.org")}</Table.Th>
            <Table.Th scope="col">{t("invite.invitedBy")}</Table.Th>
            <Table.Th scope="col">{t("list.role")}</Table.Th>
            <Table.Th scope="col">{t("invite.expires")}</Table.Th>
            <Table.Th scope="col">{t("common.actions")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((invitation) => (
            <Table.Tr key={invitation.id}>
              <Table.Td>{invitation.project_name}</Table.Td>
              <Table.Td>{invitation.org_name}</Table.Td>
              <Table.Td>{invitation.invited_by}</Table.Td>
              <Table.Td>{invitation.role.name}</Table.Td>
              <Table.Td>{formatDate(invitation.expires_at)}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  loading={accept.isPending && accept.variables === invitation.id}
                  aria-label={t("list.acceptNamed", { name: invitation.project_name })}
                  onClick={() => { accept.mutate(invitation.id); }}
                >
                  {t("invite.accept")}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** POST /api/projects: a new project in one of the caller's organisations. */
function CreateProject() {
  const { t } = useT();
  const orgs = useOrgs();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [orgId, setOrgId] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [number, setNumber] = useState("");
  const [description, setDescription] = useState("");
  const [require2fa, setRequire2fa] = useState(false);
  const options = (orgs.data?.items ?? []).map((org) => ({ value: org.id, label: org.name }));
  const chosen = orgId ?? options[0]?.value ?? null;
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/projects", {
          body: {
            org_id: chosen ?? "",
            name,
            number: number.trim() || null,
            description: description.trim() || null,
            require_2fa: require2fa,
          },
        }),
      ),
    onSuccess: (project) => {
      void queryClient.invalidateQueries({ queryKey: ["projects"] });
      void navigate(`/projects/${project.id}`);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Stack component="section" aria-labelledby="new-project-title" maw="40rem">
      <Title order={2} id="new-project-title">
        {t("create.title")}
      </Title>
      {orgs.isSuccess && options.length === 0 ? (
        <Text>
          {t("create.noOrg")}{" "}
          <Anchor component={Link} to="/orgs">
            {t("create.toOrgs")}
          </Anchor>
        </Text>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <Refusal error={create.error} explain={{ forbidden: "create.forbidden" }} />
            <Select
              label={t("create.org")}
              data={options}
              value={chosen}
              onChange={setOrgId}
              allowDeselect={false}
              required
              error={fieldError(create.error, "org_id")}
            />
            <ApiTextInput
              label={t("create.name")}
              required
              value={name}
              onValue={setName}
              refusal={create.error}
              field="name"
            />
            <ApiTextInput
              label={t("create.number")}
              value={number}
              onValue={setNumber}
              refusal={create.error}
              field="number"
            />
            <Textarea
              label={t("create.description")}
              value={description}
              onChange={(event) => { setDescription(event.currentTarget.value); }}
              error={fieldError(create.error, "description")}
            />
            <Checkbox
              label={t("create.require2fa")}
              description={t("create.require2faHint")}
              checked={require2fa}
              onChange={(event) => { setRequire2fa(event.currentTarget.checked); }}
            />
            <Button type="submit" loading={create.isPending} w="fit-content">
              {t("create.submit")}
            </Button>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
