// /projects/:projectId/schedules/:scheduleId: the schedule editor. The working revision
// is edited by whoever may (`schedules.edit`), read by the rest with the reason said;
// `?revision=<id>` opens an issued revision, `?compare=<from>&to=<to>` (ids or
// `working`) a comparison with its changes marked in the grid — both read-only. Below
// the rows, the revisions and the exchange of files (SchedulePanels).
import { Alert, Anchor, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { formatMoney, intlLocale } from "../format";
import { isFull, Loading, Refusal, useProject } from "../projects/common";
import { fetchComparison, fetchRevisionLabel, fetchRows, fetchUnits, type Comparison, type ScheduleRef } from "./api";
import { fieldText } from "./fieldText";
import { scheduleKey, useSchedule } from "./exchange";
import { comparisonMarks } from "./marks";
import { SchedulePanels } from "./SchedulePanels";
import { ScheduleEditor } from "./ScheduleEditor";

const WORKING = "working";

export function ScheduleScreen() {
  const { t, i18n } = useTranslation("schedule");
  const locale = intlLocale(i18n.language);
  const { projectId = "", scheduleId = "" } = useParams();
  const [search] = useSearchParams();
  const revisionId = search.get("revision");
  const compareFrom = search.get("compare");
  const compareTo = search.get("to") ?? WORKING;
  const scheduleRef = useMemo<ScheduleRef>(() => ({ projectId, scheduleId }), [projectId, scheduleId]);
  // The rows shown: the working revision's, the issued one's, or a comparison's `to`.
  const shownRevision = compareFrom !== null ? (compareTo === WORKING ? null : compareTo) : revisionId;

  const project = useProject(projectId);
  const schedule = useSchedule(projectId, scheduleId);
  const units = useQuery({ queryKey: ["units"], queryFn: fetchUnits, staleTime: Infinity });
  const rows = useQuery({
    queryKey: [...scheduleKey(projectId, scheduleId), "rows", shownRevision ?? WORKING],
    queryFn: () => fetchRows(scheduleRef, shownRevision),
    staleTime: Infinity, // the editor keeps them fresh itself (saving, the change feed)
    gcTime: 0,
  });
  const label = useQuery({
    queryKey: [...scheduleKey(projectId, scheduleId), "revision", revisionId],
    enabled: revisionId !== null && compareFrom === null,
    queryFn: () => fetchRevisionLabel(scheduleRef, revisionId ?? ""),
  });
  const comparison = useQuery({
    queryKey: [...scheduleKey(projectId, scheduleId), "compare", compareFrom, compareTo],
    enabled: compareFrom !== null,
    queryFn: () => fetchComparison(scheduleRef, compareFrom ?? WORKING, compareTo),
  });
  const reload = useCallback(async () => (await fetchRows(scheduleRef, null)).rows, [scheduleRef]);
  const marks = useMemo(
    () =>
      comparison.data === undefined
        ? undefined
        : comparisonMarks(comparison.data, (column, old) => t("compare.changedCell", { old: fieldText(column, old, locale, t) })),
    [comparison.data, t, locale],
  );

  const full = project.data !== undefined && isFull(project.data) ? project.data : null;
  const mayEdit = full?.my_permissions.includes("schedules.edit") ?? false;
  const mode = compareFrom !== null ? "compare" : revisionId !== null ? "revision" : "working";
  const editable = mode === "working" && mayEdit;
  const error = project.error ?? schedule.error ?? rows.error ?? units.error ?? comparison.error;
  const ready =
    rows.data !== undefined && units.data !== undefined && schedule.data !== undefined && full !== null &&
    (mode !== "compare" || comparison.data !== undefined);

  return (
    <Stack component="section" aria-labelledby="schedule-title">
      <Anchor component={Link} to={`/projects/${projectId}?tab=schedules`}>
        {t("back")}
      </Anchor>
      <Title order={1} id="schedule-title">
        {schedule.data?.name ?? t("title")}
      </Title>
      <Refusal error={error} explain={{ not_found: "schedule:gone" }} />
      {mode === "working" && full !== null && !mayEdit && (
        <Alert color="gray" variant="light" data-testid="read-only-reason">
          {t("readOnly.viewer")}
        </Alert>
      )}
      {mode === "revision" && (
        <Alert color="gray" variant="light" data-testid="read-only-reason">
          <Text>{t("readOnly.revision", { label: label.data ?? "" })}</Text>
          <Anchor component={Link} to={`/projects/${projectId}/schedules/${scheduleId}`}>
            {t("readOnly.working")}
          </Anchor>
        </Alert>
      )}
      {mode === "compare" && comparison.data !== undefined && (
        <ComparisonSummary comparison={comparison.data} currency={schedule.data?.currency ?? "SEK"} locale={locale} />
      )}
      {!ready && error === null && <Loading />}
      {ready && (
        <ScheduleEditor
          key={`${mode}:${shownRevision ?? WORKING}:${compareFrom ?? ""}`}
          scheduleRef={scheduleRef}
          rows={rows.data.rows}
          changeSeq={mode === "working" ? rows.data.changeSeq : null}
          editable={editable}
          currency={schedule.data.currency}
          units={units.data}
          comparison={marks}
          reload={reload}
        />
      )}
      {full !== null && schedule.data !== undefined && (
        <SchedulePanels projectId={projectId} scheduleId={scheduleId} permissions={full.my_permissions} />
      )}
    </Stack>
  );
}

/** A comparison in words: the counts, the change of the total, the rows removed. */
function ComparisonSummary({ comparison, currency, locale }: { comparison: Comparison; currency: string; locale: string }) {
  const { t } = useTranslation("schedule");
  const money = (value: string) => formatMoney(value, currency, locale);
  return (
    <Alert color="blue" variant="light" data-testid="comparison">
      <Text>{t("readOnly.compare")}</Text>
      <Text>
        {t("compare.counts", {
          added: comparison.added.length,
          removed: comparison.removed.length,
          changed: comparison.changed.length,
        })}
      </Text>
      <Text data-testid="comparison-total">
        {t("compare.total", {
          old: money(comparison.total.old),
          new: money(comparison.total.new),
          difference: money(comparison.total.difference),
        })}
      </Text>
      {comparison.removed.length > 0 && (
        <Table aria-label={t("compare.removedRows")} mt="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("columns.code")}</Table.Th>
              <Table.Th>{t("columns.title")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {comparison.removed.map((row) => (
              <Table.Tr key={row.id}>
                <Table.Td>{row.code ?? ""}</Table.Td>
                <Table.Td>{row.title}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Alert>
  );
}
