// Export the working copy (xlsx or CSV, `schedules.export`) and import a file into it
// (`schedules.edit`): append its rows, replace all rows with them, or take only the unit
// prices of a bidder's returned file. An import is first previewed (`dry_run`: what it
// would create, change and delete, the columns recognised, every bad row by its number;
// nothing is written) and runs only when the person confirms a preview without errors.
import { Alert, Button, FileInput, Group, List, Radio, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { formatInteger, intlLocale } from "../format";
import { Refusal } from "../projects/common";
import { FORMATS, FORMAT_NAMES, exportSchedule, formatOfFile, useT, type ExchangeFormat } from "./exchange";

type ImportReport = components["schemas"]["ImportReport"];
const MODES = ["append", "replace", "prices"] as const;
type ImportMode = (typeof MODES)[number];
const COUNTS = ["created", "updated", "deleted", "unchanged"] as const;

export function ExchangePanel({
  projectId,
  scheduleId,
  canEdit,
  canExport,
  onImported,
}: {
  projectId: string;
  scheduleId: string;
  canEdit: boolean;
  canExport: boolean;
  onImported: () => void;
}) {
  const { t, i18n } = useT();
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<ImportMode>("append");
  const [preview, setPreview] = useState<ImportReport | null>(null);
  const [done, setDone] = useState<ImportReport | null>(null);
  const format = file === null ? null : formatOfFile(file.name);
  const exporting = useMutation({
    mutationFn: (chosen: ExchangeFormat) => exportSchedule(projectId, scheduleId, chosen),
  });
  const send = (dryRun: boolean) => {
    if (file === null || format === null) throw new Error("no file of a known format chosen");
    return unwrap(
      api.POST("/projects/{project_id}/schedules/{schedule_id}/import", {
        params: {
          path: { project_id: projectId, schedule_id: scheduleId },
          query: { mode, dry_run: dryRun },
        },
        // The document types the file's bytes as a string; they go as they are.
        body: file as unknown as string,
        bodySerializer: (bytes) => bytes,
        headers: { "Content-Type": FORMATS[format].mediaType },
      }),
    );
  };
  const previewing = useMutation({
    mutationFn: () => send(true),
    onSuccess: setPreview,
  });
  const importing = useMutation({
    mutationFn: () => send(false),
    onSuccess: (report) => {
      if (report.errors.length > 0) {
        // The schedule changed since the preview and the file no longer fits: nothing
        // was written; the new report shows why.
        setPreview(report);
        return;
      }
      setPreview(null);
      setDone(report);
      setFile(null);
      onImported();
    },
  });
  const startOver = () => {
    setPreview(null);
    setDone(null);
    previewing.reset();
    importing.reset();
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    startOver();
    previewing.mutate();
  };
  const locale = intlLocale(i18n.language);
  if (!canEdit && !canExport) return null; // a role that may neither: nothing to show
  return (
    <Stack component="section" aria-labelledby="exchange-title">
      <Title order={2} id="exchange-title">
        {t("exchange.title")}
      </Title>
      {canExport && (
        <Stack gap="xs">
          <Title order={3}>{t("exchange.exportTitle")}</Title>
          <Refusal error={exporting.error} />
          <Group gap="xs">
            {FORMAT_NAMES.map((name) => (
              <Button
                key={name}
                variant="default"
                loading={exporting.isPending && exporting.variables === name}
                onClick={() => { exporting.mutate(name); }}
              >
                {t(`exchange.export.${name}`)}
              </Button>
            ))}
          </Group>
        </Stack>
      )}
      {canEdit && (
        <form onSubmit={submit} aria-labelledby="import-title">
          <Stack maw="48rem">
            <Title order={3} id="import-title">
              {t("exchange.importTitle")}
            </Title>
            {done && (
              <Alert color="green" variant="light" role="status">
                {t("exchange.imported", counts(done, locale))}
              </Alert>
            )}
            <FileInput
              label={t("exchange.file")}
              placeholder={t("exchange.filePlaceholder")}
              accept={FORMAT_NAMES.map((name) => FORMATS[name].extension).join(",")}
              value={file}
              onChange={(chosen) => {
                setFile(chosen);
                startOver();
              }}
              error={file !== null && format === null ? t("exchange.wrongFormat") : undefined}
              clearable
              clearButtonProps={{ "aria-label": t("exchange.clearFile") }}
            />
            <Radio.Group
              label={t("exchange.mode")}
              value={mode}
              onChange={(value) => {
                const chosen = MODES.find((known) => known === value);
                if (chosen !== undefined) setMode(chosen);
                startOver();
              }}
            >
              <Stack gap="xs" mt="xs">
                {MODES.map((name) => (
                  <Radio
                    key={name}
                    value={name}
                    label={t(`exchange.modes.${name}`)}
                    description={t(`exchange.modeHints.${name}`)}
                  />
                ))}
              </Stack>
            </Radio.Group>
            <Refusal error={previewing.error} explain={{ conflict: "exchange:exchange.issued" }} />
            <Button
              type="submit"
              w="fit-content"
              loading={previewing.isPending}
              disabled={format === null}
            >
              {t("exchange.preview")}
            </Button>
            {preview && (
              <Preview
                report={preview}
                onConfirm={() => { importing.mutate(); }}
                onCancel={startOver}
                confirming={importing.isPending}
                error={importing.error}
              />
            )}
          </Stack>
        </form>
      )}
    </Stack>
  );
}

function counts(report: ImportReport, locale: string): Record<(typeof COUNTS)[number], string> {
  return {
    created: formatInteger(report.created, locale),
    updated: formatInteger(report.updated, locale),
    deleted: formatInteger(report.deleted, locale),
    unchanged: formatInteger(report.unchanged, locale),
  };
}

/** What an import would do, and the button that does it when nothing is wrong. */
function Preview({
  report,
  onConfirm,
  onCancel,
  confirming,
  error,
}: {
  report: ImportReport;
  onConfirm: () => void;
  onCancel: () => void;
  confirming: boolean;
  error: unknown;
}) {
  const { t, i18n } = useT();
  const locale = intlLocale(i18n.language);
  const shown = counts(report, locale);
  const fieldName = (field: string) =>
    i18n.exists(`fields.${field}`, { ns: "exchange" }) ? t(`fields.${field}`) : field;
  const bad = report.errors.length > 0;
  return (
    <Stack component="section" aria-labelledby="preview-title" gap="sm">
      <Title order={4} id="preview-title">
        {t("preview.title")}
      </Title>
      {bad ? (
        <Alert color="red" variant="light" role="alert">
          {t("preview.errors", { count: report.errors.length })}
        </Alert>
      ) : (
        <Alert color="blue" variant="light" role="status">
          {t("preview.ready")}
        </Alert>
      )}
      {!bad && (
        // With errors nothing would be written: no counts to show.
        <Table captionSide="top" w="fit-content" miw="20rem">
          <Table.Caption>{t("preview.countsCaption")}</Table.Caption>
          <Table.Tbody>
            {COUNTS.map((name) => (
              <Table.Tr key={name}>
                <Table.Th scope="row">{t(`preview.counts.${name}`)}</Table.Th>
                <Table.Td>{shown[name]}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {bad && (
        <Table captionSide="top">
          <Table.Caption>{t("preview.errorsCaption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("preview.row")}</Table.Th>
              <Table.Th scope="col">{t("preview.problem")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.errors.map((problem, index) => (
              <Table.Tr key={`${String(problem.row)}-${String(index)}`}>
                <Table.Td>{formatInteger(problem.row, locale)}</Table.Td>
                <Table.Td>{problem.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {report.differences.length > 0 && (
        <Table captionSide="top">
          <Table.Caption>{t("preview.differencesCaption")}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t("preview.row")}</Table.Th>
              <Table.Th scope="col">{t("preview.fields")}</Table.Th>
              <Table.Th scope="col">{t("preview.problem")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.differences.map((difference, index) => (
              <Table.Tr key={`${String(difference.row)}-${String(index)}`}>
                <Table.Td>{formatInteger(difference.row, locale)}</Table.Td>
                <Table.Td>{difference.fields.map(fieldName).join(", ")}</Table.Td>
                <Table.Td>{difference.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text fw={700}>{t("preview.columns")}</Text>
      {report.columns.length === 0 ? (
        <Text>{t("preview.noColumns")}</Text>
      ) : (
        <List>
          {report.columns.map((column) => (
            <List.Item key={column.field}>
              {t("preview.column", { header: column.header, field: fieldName(column.field) })}
            </List.Item>
          ))}
        </List>
      )}
      <Refusal error={error} explain={{ conflict: "exchange:exchange.issued" }} />
      <Group gap="xs">
        <Button onClick={onConfirm} disabled={bad} loading={confirming}>
          {t("preview.confirm")}
        </Button>
        <Button variant="default" onClick={onCancel}>
          {t("preview.cancel")}
        </Button>
      </Group>
    </Stack>
  );
}
