// The account's own sign-in and security events (GET /api/me/security-log), newest
// first, a page at a time.
import { Alert, Button, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { formatDateTime } from "../format";
import { ProblemAlert } from "../shell/ProblemAlert";

export const KNOWN_ACTIONS = [
  "registered",
  "registration_refused",
  "email_verified",
  "email_verification_failed",
  "password_accepted",
  "password_check_failed",
  "password_changed",
  "password_reset",
  "login_succeeded",
  "login_failed",
  "login_refused",
  "otp_sent",
  "otp_failed",
  "step_up_succeeded",
  "session_ended",
  "mfa_changed",
  "recovery_codes_regenerated",
  "profile_changed",
] as const;

const KNOWN: ReadonlySet<string> = new Set(KNOWN_ACTIONS);

export function SecurityLogSection() {
  const { t } = useTranslation();
  const log = useInfiniteQuery({
    queryKey: ["account", "security-log"],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/me/security-log", { params: { query: { limit: 50, cursor: pageParam } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const items = log.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack>
      <Title order={2}>{t("account.log.title")}</Title>
      <Text>{t("account.log.intro")}</Text>
      {log.isPending && <Loader aria-label={t("common.loading")} role="status" />}
      <ProblemAlert error={log.error} />
      {log.isSuccess && items.length === 0 && (
        <Alert variant="light" role="status">
          {t("account.log.empty")}
        </Alert>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped captionSide="top">
            <Table.Caption>{t("account.log.caption")}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("account.log.at")}</Table.Th>
                <Table.Th scope="col">{t("account.log.event")}</Table.Th>
                <Table.Th scope="col">{t("account.log.ip")}</Table.Th>
                <Table.Th scope="col">{t("account.log.details")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((event) => (
                <Table.Tr key={event.id}>
                  <Table.Td>{formatDateTime(event.at)}</Table.Td>
                  <Table.Td>
                    {KNOWN.has(event.action) ? t(`account.log.action.${event.action}`) : event.action}
                  </Table.Td>
                  <Table.Td>{event.ip ?? ""}</Table.Td>
                  <Table.Td>
                    {Object.entries(event.details)
                      .filter(([, value]) => value !== null && value !== "")
                      .map(([key, value]) => `${key}: ${String(value)}`)
                      .join(", ")}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {log.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          loading={log.isFetchingNextPage}
          onClick={() => { void log.fetchNextPage(); }}
        >
          {t("account.log.more")}
        </Button>
      )}
    </Stack>
  );
}
