// The account's live sessions (GET /api/auth/sessions), this one marked; end one, or
// every other one.
import { Alert, Badge, Button, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { formatDateTime } from "../format";
import { ProblemAlert } from "../shell/ProblemAlert";

export const SESSIONS_KEY = ["account", "sessions"] as const;

/** A short name of the browser from its user agent, for people to recognise it. */
export function browserName(agent: string | null): string | null {
  if (agent === null || agent.trim() === "") return null;
  const found = [/Edg\/[\d.]+/, /OPR\/[\d.]+/, /Firefox\/[\d.]+/, /Chrome\/[\d.]+/, /Version\/[\d.]+.*Safari/]
    .map((pattern) => pattern.exec(agent)?.[0])
    .find((match) => match !== undefined);
  if (found === undefined) return agent.slice(0, 60);
  const [name = "", version = ""] = found.split(/[/ ]/);
  const label = { Edg: "Edge", OPR: "Opera", Version: "Safari" }[name] ?? name;
  return `${label} ${version.split(".")[0] ?? ""}`.trim();
}

export function SessionsSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: () => unwrap(api.GET("/auth/sessions")),
  });
  const endOne = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/auth/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SESSIONS_KEY }),
  });
  const endOthers = useMutation({
    mutationFn: () => unwrap(api.DELETE("/auth/sessions")),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SESSIONS_KEY }),
  });
  const items = sessions.data?.items ?? [];
  const others = items.filter((each) => !each.current).length;
  return (
    <Stack>
      <Title order={2}>{t("account.sessions.title")}</Title>
      <Text>{t("account.sessions.intro")}</Text>
      {sessions.isPending && <Loader aria-label={t("common.loading")} role="status" />}
      <ProblemAlert error={sessions.error ?? endOne.error ?? endOthers.error} />
      {(endOne.isSuccess || endOthers.isSuccess) && (
        <Alert color="green" variant="light" role="status">
          {endOthers.isSuccess ? t("account.sessions.othersEnded") : t("account.sessions.ended")}
        </Alert>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table striped captionSide="top">
            <Table.Caption>{t("account.sessions.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("account.sessions.browser")}</Table.Th>
                <Table.Th scope="col">{t("account.sessions.ip")}</Table.Th>
                <Table.Th scope="col">{t("account.sessions.created")}</Table.Th>
                <Table.Th scope="col">{t("account.sessions.lastSeen")}</Table.Th>
                <Table.Th scope="col">{t("account.sessions.twoFactor")}</Table.Th>
                <Table.Th scope="col">{t("account.sessions.action")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((each) => (
                <Table.Tr key={each.id}>
                  <Table.Td>
                    <Stack gap={4}>
                      <span>{browserName(each.user_agent) ?? t("account.sessions.unknown")}</span>
                      {each.current && (
                        <Badge variant="light" w="fit-content">
                          {t("account.sessions.current")}
                        </Badge>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>{each.ip ?? t("account.sessions.unknown")}</Table.Td>
                  <Table.Td>{formatDateTime(each.created_at)}</Table.Td>
                  <Table.Td>{formatDateTime(each.last_seen_at)}</Table.Td>
                  <Table.Td>{each.mfa ? t("account.sessions.yes") : t("account.sessions.no")}</Table.Td>
                  <Table.Td>
                    {each.current ? (
                      <Text size="sm">{t("account.sessions.thisOne")}</Text>
                    ) : (
                      <Button
                        size="xs"
                        variant="light"
                        color="red"
                        aria-label={t("account.sessions.endLabel", {
                          browser: browserName(each.user_agent) ?? t("account.sessions.unknown"),
                          time: formatDateTime(each.created_at),
                        })}
                        loading={endOne.isPending && endOne.variables === each.id}
                        onClick={() => { endOne.mutate(each.id); }}
                      >
                        {t("account.sessions.end")}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {others > 0 && (
        <Button
          w="fit-content"
          color="red"
          loading={endOthers.isPending}
          onClick={() => { endOthers.mutate(); }}
        >
          {t("account.sessions.endOthers")}
        </Button>
      )}
    </Stack>
  );
}
