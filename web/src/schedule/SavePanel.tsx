// How the person's edits are doing, said in words (a live region): saving, all saved,
// failed for now (tried again by itself, or now on request), refused by the server
// (kept until let go); and each conflict with a colleague, the two values side by
// side, until the person chooses.
import { Alert, Button, Group, Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { problemMessage } from "../api/problem";
import { intlLocale } from "../format";
import { fieldText } from "./fieldText";
import type { ColumnId } from "./model/cells";
import { COLUMNS } from "./model/cells";
import { contentOf } from "./model/operations";
import { editedFields, type EditorSaving, type PendingEdit } from "./model/saving";
import type { ScheduleTree } from "./model/tree";

const COLUMN_IDS: ReadonlySet<string> = new Set(COLUMNS.map((column) => column.id));

export function SaveStatus({ pending, saving }: { pending: readonly PendingEdit[]; saving: EditorSaving }) {
  const { t } = useTranslation("schedule");
  const { t: tCommon } = useTranslation();
  const inFlight = pending.filter((edit) => edit.state === "queued" || edit.state === "saving").length;
  const failed = pending.filter((edit) => edit.state === "failed").length;
  const refused = pending.filter((edit) => edit.state === "refused");
  return (
    <Stack gap="xs">
      {/* A live region, not role=status: the panels below have their own statuses. */}
      <Text aria-live="polite" data-testid="save-status">
        {failed > 0
          ? t("save.failed", { count: failed })
          : inFlight > 0
            ? t("save.saving", { count: inFlight })
            : pending.length === 0
              ? t("save.allSaved")
              : ""}
      </Text>
      {failed > 0 && (
        <Group>
          <Button size="xs" variant="outline" onClick={() => { saving.retryNow(); }}>
            {t("save.retryNow")}
          </Button>
        </Group>
      )}
      {refused.map((edit) => {
        const message = problemMessage(edit.problem);
        const detail = edit.problem?.fieldErrors[0]?.message ?? tCommon(message.key, message.values);
        return (
          <Alert key={edit.key} color="red" role="alert" variant="light">
            <Group justify="space-between">
              <Text>{t("save.refused", { message: detail })}</Text>
              <Button size="xs" variant="default" onClick={() => { saving.discard(edit.key); }}>
                {t("save.discard")}
              </Button>
            </Group>
          </Alert>
        );
      })}
    </Stack>
  );
}

export function ConflictPanel({
  pending,
  saving,
  shown,
}: {
  pending: readonly PendingEdit[];
  saving: EditorSaving;
  shown: ScheduleTree;
}) {
  const { t, i18n } = useTranslation("schedule");
  const locale = intlLocale(i18n.language);
  const conflicts = pending.filter((edit) => edit.state === "conflict");
  if (conflicts.length === 0) return null;
  return (
    <Stack gap="sm">
      {conflicts.map((edit) => (
        <Alert key={edit.key} color="red" variant="light" role="alert" title={t("conflict.title")}>
          <Text mb="xs">{t("conflict.intro")}</Text>
          <Table aria-label={t("conflict.title")}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("conflict.row")}</Table.Th>
                <Table.Th>{t("conflict.field")}</Table.Th>
                <Table.Th>{t("conflict.mine")}</Table.Th>
                <Table.Th>{t("conflict.theirs")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {conflictCells(edit).map(({ rowId, column }) => {
                const theirs = edit.theirs.find((row) => row.id === rowId);
                const mine = mineValue(edit, rowId, column);
                return (
                  <Table.Tr key={`${rowId}:${column}`}>
                    <Table.Td>{shown.get(rowId)?.title ?? theirs?.title ?? ""}</Table.Td>
                    <Table.Td>{t(`columns.${column}`)}</Table.Td>
                    <Table.Td data-testid="conflict-mine">{fieldText(column, mine, locale, t)}</Table.Td>
                    <Table.Td data-testid="conflict-theirs">
                      {theirs === undefined ? t("conflict.deleted") : fieldText(column, theirs[column], locale, t)}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          <Group mt="sm">
            <Button size="xs" onClick={() => { saving.resolve(edit.key, "mine"); }}>
              {t("conflict.keepMine")}
            </Button>
            <Button size="xs" variant="default" onClick={() => { saving.resolve(edit.key, "theirs"); }}>
              {t("conflict.keepTheirs")}
            </Button>
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}

/** The cells the person's conflicting edit changed (a grid column each). */
export function conflictCells(edit: PendingEdit): { rowId: string; column: ColumnId }[] {
  return [...edit.base.keys()].flatMap((rowId) =>
    editedFields(edit, rowId)
      .filter((field) => COLUMN_IDS.has(field))
      .map((field) => ({ rowId, column: field as ColumnId })),
  );
}

/** The person's value of a cell: the last operation of theirs that set it. */
export function mineValue(edit: PendingEdit, rowId: string, column: ColumnId): string | null {
  let value: string | null = null;
  for (const operation of edit.operations) {
    if (operation.id !== rowId || (operation.op !== "update" && operation.op !== "create")) continue;
    const content = contentOf(operation);
    if (column in content) value = content[column] ?? null;
  }
  return value;
}
