// A schedule's issued revisions (GET .../revisions): label, when, rows and total; issue
// the working revision under a label (`schedules.manage`; a label taken is 409), open one
// read-only (`?revision=`), compare any two (`?compare=&to=`, `working` naming the
// working copy) and export one (`schedules.export`).
import { Alert, Anchor, Button, Group, Select, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { formatDateTime, formatInteger, formatMoney, intlLocale } from "../format";
import { Loading, Refusal } from "../projects/common";
import { ApiTextInput } from "../shell/fields";
import {
  FORMAT_NAMES,
  exportSchedule,
  revisionsKey,
  useSchedule,
  useT,
  type ExchangeFormat,
} from "./exchange";

/** What `compare` and `to` name for the working copy. */
export const WORKING = "working";

export function RevisionsPanel({
  projectId,
  scheduleId,
  canManage,
  canExport,
}: {
  projectId: string;
  scheduleId: string;
  canManage: boolean;
  canExport: boolean;
}) {
  const { t, i18n } = useT();
  const queryClient = useQueryClient();
  const path = { project_id: projectId, schedule_id: scheduleId };
  const schedule = useSchedule(projectId, scheduleId);
  const revisions = useQuery({
    queryKey: revisionsKey(projectId, scheduleId),
    queryFn: () =>
      unwrap(
        api.GET("/projects/{project_id}/schedules/{schedule_id}/revisions", {
          params: { path, query: { limit: 500 } },
        }),
      ),
  });
  const [label, setLabel] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const issue = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/projects/{project_id}/schedules/{schedule_id}/revisions", {
          params: { path },
          body: { label },
        }),
      ),
    onSuccess: (revision) => {
      setLabel("");
      setNotice(t("revisions.issued", { label: revision.label }));
      void queryClient.invalidateQueries({ queryKey: revisionsKey(projectId, scheduleId) });
    },
  });
  const exporting = useMutation({
    mutationFn: ({ format, revisionId }: { format: ExchangeFormat; revisionId: string }) =>
      exportSchedule(projectId, scheduleId, format, revisionId),
  });
  const items = revisions.data?.items ?? [];
  const latest = items.at(-1);
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string>(WORKING);
  // Until the person picks one: the latest issued revision against the working copy.
  const compareFrom = from ?? latest?.id ?? null;
  const choices = [
    ...items.map((revision) => ({ value: revision.id, label: revision.label })),
    { value: WORKING, label: t("revisions.working") },
  ];
  const currency = schedule.data?.currency ?? "SEK";
  const locale = intlLocale(i18n.language);
  const screen = `/projects/${projectId}/schedules/${scheduleId}`;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setNotice(null);
    issue.mutate();
  };
  return (
    <Stack component="section" aria-labelledby="revisions-title">
      <Title order={2} id="revisions-title">
        {t("revisions.title")}
      </Title>
      {revisions.isPending && <Loading />}
      <Refusal error={revisions.error} />
      {notice && (
        <Alert color="green" variant="light" role="status">
          {notice}
        </Alert>
      )}
      <Refusal error={exporting.error} />
      {revisions.isSuccess && items.length === 0 && <p>{t("revisions.none")}</p>}
      {items.length > 0 && (
        <Table captionSide="top" highlightOnHover>
          <Table.Caption>{t("revisions.caption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("revisions.label")}</Table.Th>
              <Table.Th scope="col">{t("revisions.issuedAt")}</Table.Th>
              <Table.Th scope="col">{t("revisions.rows")}</Table.Th>
              <Table.Th scope="col">{t("revisions.total")}</Table.Th>
              <Table.Th scope="col">{t("revisions.actions")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((revision) => (
              <Table.Tr key={revision.id}>
                <Table.Td>{revision.label}</Table.Td>
                <Table.Td>{formatDateTime(revision.issued_at)}</Table.Td>
                <Table.Td>{formatInteger(revision.row_count, locale)}</Table.Td>
                <Table.Td>{formatMoney(revision.total, currency, locale)}</Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Anchor component={Link} size="sm" to={`${screen}?revision=${revision.id}`}>
                      {t("revisions.open", { label: revision.label })}
                    </Anchor>
                    {canExport &&
                      FORMAT_NAMES.map((format) => (
                        <Button
                          key={format}
                          size="xs"
                          variant="default"
                          loading={
                            exporting.isPending &&
                            exporting.variables.revisionId === revision.id &&
                            exporting.variables.format === format
                          }
                          onClick={() => { exporting.mutate({ format, revisionId: revision.id }); }}
                        >
                          {t(`revisions.export.${format}`, { label: revision.label })}
                        </Button>
                      ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {items.length > 0 && (
        <Stack gap="xs">
          <Title order={3}>{t("revisions.compareTitle")}</Title>
          <Group align="flex-end" gap="sm">
            <Select
              label={t("revisions.compareFrom")}
              data={choices}
              value={compareFrom}
              onChange={setFrom}
              allowDeselect={false}
            />
            <Select
              label={t("revisions.compareTo")}
              data={choices}
              value={to}
              onChange={(value) => { setTo(value ?? WORKING); }}
              allowDeselect={false}
            />
            {compareFrom !== null && compareFrom !== to ? (
              <Button
                component={Link}
                variant="default"
                to={`${screen}?compare=${compareFrom}&to=${to}`}
              >
                {t("revisions.compare")}
              </Button>
            ) : (
              <Alert variant="light" color="gray" py="xs">
                {t("revisions.compareSame")}
              </Alert>
            )}
          </Group>
        </Stack>
      )}
      {canManage && (
        <form onSubmit={submit} aria-labelledby="issue-title">
          <Stack maw="40rem">
            <Title order={3} id="issue-title">
              {t("revisions.issueTitle")}
            </Title>
            <Refusal error={issue.error} explain={{ conflict: "exchange:revisions.labelTaken" }} />
            <ApiTextInput
              label={t("revisions.newLabel")}
              description={t("revisions.newLabelHint")}
              required
              maxLength={40}
              value={label}
              onValue={setLabel}
              refusal={issue.error}
              field="label"
            />
            <Button type="submit" loading={issue.isPending} w="fit-content">
              {t("revisions.issue")}
            </Button>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
