// The editor of one revision's rows: the grid, its toolbar and keys, copy and paste,
// the saving of every edit, colleagues' changes merged in, and the summary beside.
// Read-only (a Viewer, an issued revision, a comparison) it is the same view without
// the edits.
import { Alert, Button, Checkbox, Group, Stack, Text } from "@mantine/core";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { transportFor, type ScheduleRef, type UnitOut } from "./api";
import { pollChanges } from "./changes";
import { LeaveGuard } from "./LeaveGuard";
import { savingMarks, type RowMark } from "./marks";
import { COLUMNS, OPTIONAL_COLUMNS, type CellContext, type ColumnId } from "./model/cells";
import { copyCells, parseTsv, planPaste, type PastePlan } from "./model/clipboard";
import { platformOf, type Command } from "./model/keyboard";
import { moneyString, summarize } from "./model/money";
import { move, remove, type CreateOperation } from "./model/operations";
import { ENTRY_RULES } from "./model/rules";
import { EditorSaving } from "./model/saving";
import {
  canMove,
  indentPlacement,
  outdentPlacement,
  placementAsChild,
  placementBelow,
  type Row,
  type RowKind,
  type ScheduleTree,
} from "./model/tree";
import { ConflictPanel, SaveStatus } from "./SavePanel";
import { fieldText } from "./fieldText";
import { ScheduleGrid, type FocusedCell, type GridRow } from "./ScheduleGrid";
import { ShortcutSheet } from "./ShortcutSheet";
import { SummaryPanel } from "./SummaryPanel";
import { intlLocale } from "../format";
import en from "../i18n/schedule.en.json";
import sv from "../i18n/schedule.sv.json";

const HIDDEN_COLUMNS_KEY = "casai.schedule.hiddenColumns";

interface Props {
  scheduleRef: ScheduleRef;
  rows: readonly Row[];
  changeSeq: number | null;
  editable: boolean;
  currency: string;
  units: readonly UnitOut[];
  /** Marks of a comparison, when the view is one. */
  comparison?: ReadonlyMap<string, RowMark>;
  /** Reads every row again (the change feed asked for a reload). */
  reload: () => Promise<readonly Row[]>;
}

export function ScheduleEditor(props: Props) {
  const { t, i18n } = useTranslation("schedule");
  const locale = intlLocale(i18n.language);
  const { scheduleRef, reload } = props;
  const [saving] = useState(() => new EditorSaving(props.rows, transportFor(scheduleRef)));
  const snapshot = useSyncExternalStore(saving.subscribe, saving.getSnapshot);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [hidden, setHidden] = useState<readonly ColumnId[]>(readHiddenColumns);
  const [sheetOpen, setSheetOpen] = useState(false);
  const [notice, setNotice] = useState<{ text: string; lines: string[]; error: boolean } | null>(null);
  const [focusRequest, setFocusRequest] = useState<FocusedCell | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const platform = platformOf(navigator.userAgent);

  // Colleagues' changes, every few seconds; the person's own unsaved edits stay on top.
  // (Only the working revision changes: the others come with no change_seq.)
  const { changeSeq } = props;
  useEffect(() => {
    if (changeSeq === null) return;
    return pollChanges(scheduleRef, changeSeq, (feed) => {
      if (feed.reload) void reload().then((rows) => { saving.replace(rows); });
      else saving.merge(feed.rows, feed.deleted);
    });
  }, [scheduleRef, changeSeq, saving, reload]);

  const columns = useMemo(() => COLUMNS.map((c) => c.id).filter((id) => !hidden.includes(id)), [hidden]);
  const context = useMemo(() => cellContext(props.units, (rule) => (rule === "normal" ? "" : rule === "included_elsewhere" ? "----" : t(`rules.${rule}`))), [props.units, t]);
  const units = useMemo(
    () => props.units.map((unit) => ({ code: unit.code, name: i18n.language.startsWith("en") ? unit.name_en : unit.name_sv })),
    [props.units, i18n.language],
  );
  const shown = snapshot.shown;
  const visible = useMemo(() => shown.visible(collapsed), [shown, collapsed]);
  const marks = useMemo(() => {
    if (props.comparison !== undefined) return props.comparison;
    return savingMarks(snapshot.pending, snapshot.saved, (edit, rowId, column) => {
      const theirs = edit.theirs.find((row) => row.id === rowId);
      return t("conflict.inCell", { value: theirs === undefined ? t("conflict.deleted") : fieldText(column, theirs[column], locale, t) });
    });
  }, [props.comparison, snapshot.pending, snapshot.saved, t, locale]);
  const totals = useMemo(() => summarize(shown), [shown]);
  const subtotals = useMemo(
    () => new Map(totals.headings.map((heading) => [heading.id, moneyString(heading.total)])),
    [totals],
  );
  const gridRows = useGridRows(visible, collapsed, editing, marks, subtotals);

  // Stable: the grid's column definitions hold it, and new ones would end an edit.
  const toggle = useCallback((rowId: string) => {
    setCollapsed((now) => (now.has(rowId) ? without(now, rowId) : new Set([...now, rowId])));
  }, []);
  const say = (text: string, lines: string[] = [], error = false) => { setNotice({ text, lines, error }); };
  const indexOf = (rowId: string | null) => visible.findIndex((each) => each.row.id === rowId);

  const applyPaste = (plan: PastePlan, single: boolean) => {
    if (plan.errors.length > 0) {
      const lines = plan.errors.map((error) =>
        single
          ? t("cellError", { column: t(`columns.${error.column}`), problem: t(`problems.${error.problem}`) })
          : t("paste.line", { line: error.line, column: t(`columns.${error.column}`), problem: t(`problems.${error.problem}`) }),
      );
      say(single ? (lines[0] ?? "") : t("paste.refused", { count: plan.errors.length }), single ? [] : lines, true);
      return;
    }
    saving.edit(plan.operations);
    if (single) {
      setNotice(null);
      return;
    }
    const lines = plan.clippedColumns > 0 ? [t("paste.clipped", { count: plan.clippedColumns })] : [];
    say(plan.operations.length === 0 ? t("paste.nothing") : t("paste.done", { updated: plan.updated, created: plan.created }), lines);
  };

  const onEdit = (rowId: string, column: ColumnId, text: string) => {
    const rowIndex = indexOf(rowId);
    if (rowIndex < 0 || !props.editable) return;
    applyPaste(planPaste([[text]], { rows: visible, columns, rowIndex, column }, context, newId), true);
  };

  const insert = (kind: RowKind, focus: FocusedCell | null, asChild: boolean) => {
    const anchor = focus?.rowId ?? visible[visible.length - 1]?.row.id ?? null;
    const anchorRow = anchor === null ? undefined : shown.get(anchor);
    const placement =
      anchor !== null && (asChild || (anchorRow?.kind === "heading" && !collapsed.has(anchor)))
        ? placementAsChild(shown, anchor)
        : placementBelow(shown, anchor);
    if (placement === null) {
      say(t("cannot.child"), [], true);
      return;
    }
    const id = newId();
    const create: CreateOperation = { op: "create", id, kind, title: t(`newRow.${kind}`), ...placement };
    saving.edit([create]);
    if (placement.parent_id !== null) setCollapsed((now) => without(now, placement.parent_id ?? ""));
    setFocusRequest({ rowId: id, column: "title" });
  };

  const moveTo = (rowId: string, placement: ReturnType<typeof indentPlacement>, refusal: string) => {
    if (placement === null || !canMove(shown, rowId, placement)) {
      say(refusal, [], true);
      return;
    }
    saving.edit([move(rowId, placement)]);
    if (placement.parent_id !== null) setCollapsed((now) => without(now, placement.parent_id ?? ""));
    setFocusRequest({ rowId, column: "title" });
  };

  const onCommand = (command: Command, focus: FocusedCell | null) => {
    const rowId = focus?.rowId ?? null;
    if (command === "help") {
      setSheetOpen(true);
      return;
    }
    if (command === "collapse" || command === "expand") {
      if (rowId === null) return;
      const heading = shown.get(rowId)?.kind === "heading" ? rowId : shown.parentOf(rowId);
      if (heading === null) return;
      setCollapsed((now) => (command === "collapse" ? new Set([...now, heading]) : without(now, heading)));
      if (command === "collapse") setFocusRequest({ rowId: heading, column: focus?.column ?? "code" });
      return;
    }
    if (!props.editable) return;
    switch (command) {
      case "undo":
        saving.undo();
        return;
      case "redo":
        saving.redo();
        return;
      case "insertBelow":
        insert("item", focus, false);
        return;
      case "insertChild":
        insert("item", focus, true);
        return;
      case "indent":
        if (rowId !== null) moveTo(rowId, indentPlacement(shown, rowId), t("cannot.indent"));
        return;
      case "outdent":
        if (rowId !== null) moveTo(rowId, outdentPlacement(shown, rowId), t("cannot.outdent"));
        return;
      case "clear":
        if (focus !== null && rowId !== null) onEdit(rowId, focus.column, "");
        return;
      case "deleteRow":
        if (rowId === null) return;
        saving.edit([remove(rowId)]);
        return;
      default:
        return;
    }
  };

  const onCopy = (focus: FocusedCell | null, selected: readonly string[]): string | null => {
    if (selected.length > 0) {
      const chosen = new Set(selected);
      const rows = visible.filter((each) => chosen.has(each.row.id)).map((each) => each.row);
      say(t("paste.copied", { count: rows.length }));
      return copyCells(rows, columns, context);
    }
    const row = focus?.rowId == null ? undefined : shown.get(focus.rowId);
    return row === undefined || focus === null ? null : copyCells([row], [focus.column], context);
  };

  const onPaste = (text: string, focus: FocusedCell) => {
    const rowIndex = Math.max(0, indexOf(focus.rowId));
    applyPaste(planPaste(parseTsv(text), { rows: visible, columns, rowIndex, column: focus.column }, context, newId), false);
  };

  const focusedRow = useRef<FocusedCell | null>(null);

  return (
    <Stack gap="md">
      {props.editable && <LeaveGuard unsaved={snapshot.pending.length > 0} />}
      {props.editable && (
        <Group gap="xs" role="toolbar" aria-label={t("toolbar.label")}>
          <Button size="xs" onClick={() => { insert("item", focusedRow.current, false); }}>{t("toolbar.addItem")}</Button>
          <Button size="xs" variant="outline" onClick={() => { insert("heading", focusedRow.current, false); }}>{t("toolbar.addHeading")}</Button>
          <Button size="xs" variant="outline" onClick={() => { insert("text", focusedRow.current, false); }}>{t("toolbar.addText")}</Button>
          <Button size="xs" variant="default" onClick={() => { onCommand("indent", focusedRow.current); }}>{t("toolbar.indent")}</Button>
          <Button size="xs" variant="default" onClick={() => { onCommand("outdent", focusedRow.current); }}>{t("toolbar.outdent")}</Button>
          <Button size="xs" variant="default" onClick={() => { onCommand("deleteRow", focusedRow.current); }}>{t("toolbar.delete")}</Button>
          <Button size="xs" variant="default" disabled={!snapshot.canUndo} onClick={() => { onCommand("undo", focusedRow.current); }}>{t("toolbar.undo")}</Button>
          <Button size="xs" variant="default" disabled={!snapshot.canRedo} onClick={() => { onCommand("redo", focusedRow.current); }}>{t("toolbar.redo")}</Button>
        </Group>
      )}
      <Group gap="xs">
        <Button size="xs" variant="subtle" onClick={() => { setCollapsed(new Set(shown.children(null).filter((id) => shown.children(id).length > 0))); }}>
          {t("toolbar.collapseAll")}
        </Button>
        <Button size="xs" variant="subtle" onClick={() => { setCollapsed(new Set()); }}>{t("toolbar.expandAll")}</Button>
        <Button size="xs" variant="subtle" onClick={() => { setSheetOpen(true); }}>{t("toolbar.shortcuts")}</Button>
      </Group>
      <Checkbox.Group
        label={t("columnsShown")}
        value={OPTIONAL_COLUMNS.filter((id) => !hidden.includes(id))}
        onChange={(value) => {
          const next = OPTIONAL_COLUMNS.filter((id) => !value.includes(id));
          setHidden(next);
          rememberHiddenColumns(next);
        }}
      >
        <Group gap="md" mt="xs">
          {OPTIONAL_COLUMNS.map((id) => (
            <Checkbox key={id} value={id} label={t(`columns.${id}`)} />
          ))}
        </Group>
      </Checkbox.Group>
      {props.editable && <SaveStatus pending={snapshot.pending} saving={saving} />}
      <ConflictPanel pending={snapshot.pending} saving={saving} shown={shown} />
      {notice !== null && (
        <Alert color={notice.error ? "red" : "blue"} variant="light" role={notice.error ? "alert" : "status"} data-testid="editor-notice" withCloseButton onClose={() => { setNotice(null); }} closeButtonLabel={t("shortcuts.close")}>
          <Text>{notice.text}</Text>
          {notice.lines.map((line) => (
            <Text key={line} size="sm">{line}</Text>
          ))}
        </Alert>
      )}
      <ScheduleGrid
        rows={gridRows}
        columns={columns}
        editable={props.editable}
        context={context}
        units={units}
        platform={platform}
        focusRequest={focusRequest}
        onEdit={onEdit}
        onCommand={onCommand}
        onToggle={toggle}
        onCopy={onCopy}
        onPaste={onPaste}
        onEditingChange={setEditing}
        onFocusChange={(focus) => { focusedRow.current = focus; }}
      />
      <SummaryPanel totals={totals} tree={shown} currency={props.currency} />
      <ShortcutSheet opened={sheetOpen} onClose={() => { setSheetOpen(false); }} platform={platform} />
    </Stack>
  );
}

function newId(): string {
  return crypto.randomUUID();
}

function without(set: ReadonlySet<string>, id: string): ReadonlySet<string> {
  if (!set.has(id)) return set;
  const next = new Set(set);
  next.delete(id);
  return next;
}

/** Units and the rules' names in both languages, for reading typed and pasted cells. */
function cellContext(units: readonly UnitOut[], ruleText: CellContext["ruleText"]): CellContext {
  const ruleNames = new Map<string, (typeof ENTRY_RULES)[number]>();
  for (const rule of ENTRY_RULES) {
    for (const names of [sv.rules, en.rules]) ruleNames.set(names[rule].toLowerCase(), rule);
  }
  return { units: units.map((unit) => ({ code: unit.code, symbol: unit.symbol })), ruleNames, ruleText };
}

/**
 * The grid's rows, each object kept while its row, depth and state are (so the grid
 * redraws only what changed).
 */
class GridRows {
  private known = new Map<string, GridRow>();
  last: readonly GridRow[] = [];

  of(
    visible: ReturnType<ScheduleTree["visible"]>,
    collapsed: ReadonlySet<string>,
    marks: ReadonlyMap<string, RowMark>,
    editing: string | null,
    subtotals: ReadonlyMap<string, string>,
  ): readonly GridRow[] {
    const next = new Map<string, GridRow>();
    this.last = visible.map(({ row, depth, hasChildren }) => {
      const known = this.known.get(row.id);
      if (known !== undefined && row.id === editing) {
        next.set(row.id, known);
        return known;
      }
      const isCollapsed = collapsed.has(row.id);
      const mark = marks.get(row.id);
      const subtotal = subtotals.get(row.id) ?? null;
      const same =
        known?.row === row &&
        known.subtotal === subtotal &&
        known.depth === depth &&
        known.hasChildren === hasChildren &&
        known.collapsed === isCollapsed &&
        sameMark(known.mark, mark);
      const gridRow = same
        ? known
        : { id: row.id, row, depth, hasChildren, collapsed: isCollapsed, mark, subtotal };
      next.set(row.id, gridRow);
      return gridRow;
    });
    this.known = next;
    return this.last;
  }
}

/**
 * The grid's rows, the one whose cell is being edited (`editing`) held as it was: a
 * colleague's change to it waits until the edit ends, the other rows show theirs at once.
 */
function useGridRows(
  visible: ReturnType<ScheduleTree["visible"]>,
  collapsed: ReadonlySet<string>,
  editing: string | null,
  marks: ReadonlyMap<string, RowMark>,
  subtotals: ReadonlyMap<string, string>,
): readonly GridRow[] {
  const [rows] = useState(() => new GridRows());
  return useMemo(
    () => rows.of(visible, collapsed, marks, editing, subtotals),
    [rows, visible, collapsed, editing, marks, subtotals],
  );
}

/** Marks are made afresh on every change: equal ones keep their row as it is. */
function sameMark(a: RowMark | undefined, b: RowMark | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.state === b.state &&
    a.row === b.row &&
    JSON.stringify([...a.cells, ...a.notes]) === JSON.stringify([...b.cells, ...b.notes])
  );
}

function readHiddenColumns(): readonly ColumnId[] {
  try {
    const stored: unknown = JSON.parse(window.localStorage.getItem(HIDDEN_COLUMNS_KEY) ?? "[]");
    return Array.isArray(stored) ? OPTIONAL_COLUMNS.filter((id) => stored.includes(id)) : [];
  } catch {
    return [];
  }
}

function rememberHiddenColumns(hidden: readonly ColumnId[]): void {
  try {
    window.localStorage.setItem(HIDDEN_COLUMNS_KEY, JSON.stringify(hidden));
  } catch {
    // private mode: the choice lasts for this page
  }
}
