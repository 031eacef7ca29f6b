// Platform administration (/admin): find accounts, disable or enable them, end their
// sessions; the support tickets, open or closed, and closing one. Only platform
// administrators with a second factor get answers: anyone else sees why not.
import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Radio,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import {
  useInfiniteQuery,
  useMutation,
  useQueryClient,
  type InfiniteData,
} from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import type { components } from "../api/schema";
import { formatDateTime } from "../format";
import { ProblemAlert } from "../shell/ProblemAlert";
import "../support/support.css";

type AdminUser = components["schemas"]["AdminUserOut"];
type UserList = components["schemas"]["AdminUserList"];
type Ticket = components["schemas"]["TicketOut"];
type TicketStatus = components["schemas"]["TicketStatus"];

function isForbidden(error: unknown): boolean {
  return error instanceof ApiProblem && error.status === 403 && error.code === "forbidden";
}

/** A refusal of the admin API: not an administrator, or a problem to show as it is. */
function AdminProblem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  if (isForbidden(error)) {
    return (
      <Alert className="support-alert" color="red" variant="light" role="alert">
        {t("admin.forbidden")}
      </Alert>
    );
  }
  // `mfa_required` (an administrator whose session passed no second factor) opened the
  // step-up dialog (api/client.ts) and the person cancelled: the message says why.
  return <ProblemAlert error={error} />;
}

export function Admin() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<string | null>("users");
  return (
    <Stack component="section" aria-labelledby="admin-title" className="support-colors">
      <Title order={1} id="admin-title">
        {t("admin.title")}
      </Title>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="users">{t("admin.tabs.users")}</Tabs.Tab>
          <Tabs.Tab value="tickets">{t("admin.tabs.tickets")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="users" pt="md">
          <Users />
        </Tabs.Panel>
        <Tabs.Panel value="tickets" pt="md">
          <Tickets />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Users() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const key = ["admin", "users", q] as const;
  const users = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/admin/users", {
          params: { query: { q: q || undefined, limit: 50, cursor: pageParam ?? undefined } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });

  const replace = (user: AdminUser) => {
    queryClient.setQueryData<InfiniteData<UserList, string | null>>(key, (data) =>
      data
        ? {
            ...data,
            pages: data.pages.map((page) => ({
              ...page,
              items: page.items.map((item) => (item.id === user.id ? user : item)),
            })),
          }
        : data,
    );
  };
  const act = useMutation({
    mutationFn: async ({ user, action }: { user: AdminUser; action: "disable" | "enable" | "sessions" }) => {
      const path = { user_id: user.id };
      if (action === "sessions") {
        await unwrap(api.DELETE("/admin/users/{user_id}/sessions", { params: { path } }));
        return { user: { ...user, live_sessions: 0 }, action };
      }
      const changed =
        action === "disable"
          ? await unwrap(api.POST("/admin/users/{user_id}/disable", { params: { path } }))
          : await unwrap(api.POST("/admin/users/{user_id}/enable", { params: { path } }));
      return { user: changed, action };
    },
    onMutate: () => { setDone(null); },
    onSuccess: ({ user, action }) => {
      replace(user);
      const message = {
        disable: "admin.users.disabledDone",
        enable: "admin.users.enabledDone",
        sessions: "admin.users.sessionsDone",
      }[action];
      setDone(t(message, { name: user.display_name }));
    },
  });

  function search(event: SyntheticEvent) {
    event.preventDefault();
    setDone(null);
    setQ(text.trim());
  }

  const items = users.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <form onSubmit={search} role="search">
        <Group align="flex-end">
          <TextInput
            type="search"
            label={t("admin.users.search")}
            maxLength={100}
            value={text}
            onChange={(event) => { setText(event.currentTarget.value); }}
          />
          <Button type="submit">{t("admin.users.searchButton")}</Button>
        </Group>
      </form>
      {users.isPending && <Loader aria-label={t("common.loading")} role="status" />}
      <AdminProblem error={users.error} />
      <AdminProblem error={act.error} />
      {done && (
        <Alert className="support-alert" color="green" variant="light" role="status">
          {done}
        </Alert>
      )}
      {users.isSuccess && items.length === 0 && (
        <Alert className="support-alert" color="blue" variant="light" role="status">
          {t("admin.users.empty")}
        </Alert>
      )}
      {items.length > 0 && (
        <div className="admin-table-wrap">
          <Table striped captionSide="top">
            <Table.Caption>{t("admin.users.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("admin.users.name")}</Table.Th>
                <Table.Th scope="col">{t("admin.users.email")}</Table.Th>
                <Table.Th scope="col">{t("admin.users.created")}</Table.Th>
                <Table.Th scope="col">{t("admin.users.status")}</Table.Th>
                <Table.Th scope="col">{t("admin.users.sessions")}</Table.Th>
                <Table.Th scope="col">{t("admin.users.actions")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((user) => {
                const busy = act.isPending && act.variables.user.id === user.id;
                return (
                  <Table.Tr key={user.id}>
                    <Table.Th scope="row">
                      {user.display_name}
                      {user.platform_admin && (
                        <Badge ml="xs" variant="light">
                          {t("admin.users.platformAdmin")}
                        </Badge>
                      )}
                    </Table.Th>
                    <Table.Td>{user.email}</Table.Td>
                    <Table.Td>{formatDateTime(user.created_at)}</Table.Td>
                    <Table.Td>
                      <UserStatus user={user} />
                    </Table.Td>
                    <Table.Td>{user.live_sessions}</Table.Td>
                    <Table.Td>
                      {user.deleted_at === null && (
                        <Group gap="xs" wrap="nowrap">
                          {user.disabled_at === null ? (
                            <Button
                              size="xs"
                              color="red"
                              variant="outline"
                              disabled={busy}
                              onClick={() => { act.mutate({ user, action: "disable" }); }}
                            >
                              {t("admin.users.disable")}
                              <VisuallyHidden> {user.display_name}</VisuallyHidden>
                            </Button>
                          ) : (
                            <Button
                              size="xs"
                              variant="outline"
                              disabled={busy}
                              onClick={() => { act.mutate({ user, action: "enable" }); }}
                            >
                              {t("admin.users.enable")}
                              <VisuallyHidden> {user.display_name}</VisuallyHidden>
                            </Button>
                          )}
                          <Button
                            size="xs"
                            variant="default"
                            disabled={busy || user.live_sessions === 0}
                            onClick={() => { act.mutate({ user, action: "sessions" }); }}
                          >
                            {t("admin.users.endSessions")}
                            <VisuallyHidden> {user.display_name}</VisuallyHidden>
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {users.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          loading={users.isFetchingNextPage}
          onClick={() => { void users.fetchNextPage(); }}
        >
          {t("admin.users.more")}
        </Button>
      )}
    </Stack>
  );
}

function UserStatus({ user }: { user: AdminUser }) {
  const { t } = useTranslation();
  if (user.deleted_at !== null) return <Badge color="gray" variant="light">{t("admin.users.deleted")}</Badge>;
  if (user.disabled_at !== null) return <Badge color="red" variant="light">{t("admin.users.disabled")}</Badge>;
  if (!user.email_verified) return <Badge color="gray" variant="light">{t("admin.users.unverified")}</Badge>;
  return <Badge color="green" variant="light">{t("admin.users.active")}</Badge>;
}

function Tickets() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<TicketStatus>("open");
  const [done, setDone] = useState<string | null>(null);
  const tickets = useInfiniteQuery({
    queryKey: ["admin", "tickets", status],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/admin/tickets", {
          params: { query: { status, limit: 50, cursor: pageParam ?? undefined } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const close = useMutation({
    mutationFn: (ticket: Ticket) =>
      unwrap(
        api.POST("/admin/tickets/{ticket_id}/close", { params: { path: { ticket_id: ticket.id } } }),
      ),
    onMutate: () => { setDone(null); },
    onSuccess: (ticket) => {
      setDone(t("admin.tickets.closedDone", { reference: ticket.reference }));
      void queryClient.invalidateQueries({ queryKey: ["admin", "tickets"] });
    },
  });
  const items = tickets.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Radio.Group
        label={t("admin.tickets.show")}
        value={status}
        onChange={(value) => {
          if (value === "open" || value === "closed") {
            setDone(null);
            setStatus(value);
          }
        }}
      >
        <Group mt="xs">
          <Radio value="open" label={t("admin.tickets.open")} />
          <Radio value="closed" label={t("admin.tickets.closed")} />
        </Group>
      </Radio.Group>
      {tickets.isPending && <Loader aria-label={t("common.loading")} role="status" />}
      <AdminProblem error={tickets.error} />
      <AdminProblem error={close.error} />
      {done && (
        <Alert className="support-alert" color="green" variant="light" role="status">
          {done}
        </Alert>
      )}
      {tickets.isSuccess && items.length === 0 && (
        <Alert className="support-alert" color="blue" variant="light" role="status">
          {t("admin.tickets.empty")}
        </Alert>
      )}
      {items.length > 0 && (
        <div className="admin-table-wrap">
          <Table striped captionSide="top" verticalSpacing="sm">
            <Table.Caption>{t("admin.tickets.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("admin.tickets.reference")}</Table.Th>
                <Table.Th scope="col">{t("admin.tickets.received")}</Table.Th>
                <Table.Th scope="col">{t("admin.tickets.category")}</Table.Th>
                <Table.Th scope="col">{t("admin.tickets.subject")}</Table.Th>
                <Table.Th scope="col">{t("admin.tickets.from")}</Table.Th>
                <Table.Th scope="col">{t("admin.tickets.project")}</Table.Th>
                <Table.Th scope="col">{t("admin.tickets.status")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((ticket) => (
                <Table.Tr key={ticket.id}>
                  <Table.Th scope="row">{ticket.reference}</Table.Th>
                  <Table.Td>{formatDateTime(ticket.created_at)}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{t(`support.form.categories.${ticket.category}`)}</Text>
                    {ticket.urgent && (
                      <Badge color="red" variant="light">
                        {t("admin.tickets.urgent")}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text fw={600} size="sm">
                      {ticket.subject}
                    </Text>
                    <Text size="sm" className="admin-message">
                      {ticket.message}
                    </Text>
                    {ticket.person_email && (
                      <Text size="sm">
                        {t("admin.tickets.person")}: {ticket.person_email}
                        {ticket.person_is_member && ` (${t("admin.tickets.personMember")})`}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{ticket.name ?? ""}</Text>
                    <Text size="sm">{ticket.email ?? ""}</Text>
                    {ticket.user_id === null && (
                      <Text size="sm" c="dimmed">
                        {t("admin.tickets.anonymous")}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{ticket.project_name ?? ""}</Text>
                    {ticket.sender_manages && (
                      <Text size="sm" c="dimmed">
                        {t("admin.tickets.senderManages")}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {ticket.status === "open" ? (
                      <Button
                        size="xs"
                        variant="outline"
                        disabled={close.isPending && close.variables.id === ticket.id}
                        onClick={() => { close.mutate(ticket); }}
                      >
                        {t("admin.tickets.close")}
                        <VisuallyHidden> {ticket.reference}</VisuallyHidden>
                      </Button>
                    ) : (
                      <Text size="sm">
                        {ticket.closed_at
                          ? t("admin.tickets.closedAt", { when: formatDateTime(ticket.closed_at) })
                          : t("admin.tickets.closed")}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {tickets.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          loading={tickets.isFetchingNextPage}
          onClick={() => { void tickets.fetchNextPage(); }}
        >
          {t("admin.tickets.more")}
        </Button>
      )}
    </Stack>
  );
}
