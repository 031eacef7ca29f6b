// The rows on AG Grid Community (MIT; it has no tree data and no clipboard, so
// CASAI owns both in src/schedule/model). The grid only shows and edits cells
// (readOnlyEdit: it never changes a row itself); every change is a request the editor
// turns into an operation. Styles come from AG Grid's CSS files with the "legacy"
// theme option, so the grid injects no <style> (the CSP allows none), and the icon font
// is left out (the CSP allows no data: fonts; the editor draws its own chevrons).
import "ag-grid-community/styles/ag-grid.css";
import "ag-grid-community/styles/ag-theme-quartz-no-font.css";
import "./schedule.css";
import {
  AllCommunityModule,
  ModuleRegistry,
  type CellEditRequestEvent,
  type ColDef,
  type GridApi,
  type ICellRendererParams,
  type ValueFormatterParams,
} from "ag-grid-community";
import { AG_GRID_LOCALE_EN, AG_GRID_LOCALE_SE } from "@ag-grid-community/locale";
import { AgGridReact } from "ag-grid-react";
import { useCallback, useEffect, useMemo, useRef, type ClipboardEvent, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { intlLocale } from "../format";
import { cellValue, columnSpec, isEditable, type CellContext, type ColumnId } from "./model/cells";
import { commandFor, type Command, type Platform } from "./model/keyboard";
import { displayNumber } from "./model/numbers";
import { ENTRY_RULES } from "./model/rules";
import type { Row } from "./model/tree";
import type { RowMark } from "./marks";
import { UNITS_LIST_ID, UnitEditor } from "./UnitEditor";

ModuleRegistry.registerModules([AllCommunityModule]);

/** A grid row: the model's row with its place on screen. */
export interface GridRow {
  id: string;
  row: Row;
  depth: number;
  hasChildren: boolean;
  collapsed: boolean;
  /** Saving, a conflict, a comparison's change: part of the row, so the grid redraws it. */
  mark: RowMark | undefined;
  /** A heading's total of its whole subtree (money, as the API writes it); else null. */
  subtotal: string | null;
}

export interface FocusedCell {
  rowId: string | null;
  column: ColumnId;
}

interface Props {
  rows: readonly GridRow[];
  columns: readonly ColumnId[];
  editable: boolean;
  context: CellContext;
  units: readonly { code: string; name: string }[];
  platform: Platform;
  /** The row and column to put the focus on once they are shown (after an insert). */
  focusRequest: FocusedCell | null;
  onEdit: (rowId: string, column: ColumnId, text: string) => void;
  onCommand: (command: Command, focus: FocusedCell | null) => void;
  onToggle: (rowId: string) => void;
  onCopy: (focus: FocusedCell | null, selected: readonly string[]) => string | null;
  onPaste: (text: string, focus: FocusedCell) => void;
  /** The row whose cell is being edited, or null when none is. */
  onEditingChange: (rowId: string | null) => void;
  /** The focused cell, for the toolbar's buttons (which take the focus away). */
  onFocusChange: (focus: FocusedCell | null) => void;
}

const DEPTH_CLASSES = 8; // schedule.css indents depth-0 … depth-7, deeper rows as 7

export function ScheduleGrid(props: Props) {
  const { t, i18n } = useTranslation("schedule");
  const locale = intlLocale(i18n.language);
  const gridApi = useRef<GridApi<GridRow> | null>(null);
  const container = useRef<HTMLDivElement>(null);
  const { onToggle } = props;

  const columnDefs = useMemo<ColDef<GridRow>[]>(() => {
    const status: ColDef<GridRow> = {
      colId: "status",
      headerName: t("columns.status"),
      headerClass: "schedule-status-header",
      width: 48,
      pinned: "left",
      editable: false,
      suppressNavigable: true,
      valueGetter: (params) => params.data?.mark?.state ?? "",
      cellRenderer: StatusCell,
    };
    const shown = props.columns.map((id): ColDef<GridRow> => {
      const spec = columnSpec(id);
      const numeric = spec.type === "number";
      return {
        colId: id,
        headerName: t(`columns.${id}`),
        editable: (params) => props.editable && params.data !== undefined && isEditable(params.data.row, id),
        // A heading's Belopp is its subtotal.
        valueGetter: (params) =>
          params.data === undefined
            ? null
            : id === "amount" && params.data.row.kind === "heading"
              ? params.data.subtotal
              : cellValue(params.data.row, id),
        // A colleague's value or a comparison's old one shows in the cell beside the value.
        valueFormatter: (params: ValueFormatterParams<GridRow, string | null>) => {
          const shownValue = formatCell(params.value ?? null, id, locale, t);
          const note = params.data?.mark?.notes.get(id);
          return note === undefined ? shownValue : `${shownValue} · ${note}`;
        },
        cellClass: (params) => cellClasses(params.data, id, numeric),
        ...(id === "code" ? { cellRenderer: CodeCell, cellRendererParams: { onToggle, t } } : {}),
        ...(id === "title" ? { flex: 2, minWidth: 240 } : { width: widthOf(id) }),
        ...(numeric ? { type: "rightAligned", cellEditorParams: { useFormatter: true } } : {}),
        ...(spec.type === "unit" ? { cellEditor: UnitEditor } : {}),
        ...(spec.type === "rule"
          ? {
              cellEditor: "agSelectCellEditor",
              cellEditorParams: { values: ENTRY_RULES, formatValue: (rule: string) => t(`rules.${rule}`) },
            }
          : {}),
        ...(spec.type === "regulation"
          ? { cellEditor: "agSelectCellEditor", cellEditorParams: { values: ["", "R", "OR"] } }
          : {}),
        ...(id === "note" ? { cellEditor: "agLargeTextCellEditor", cellEditorPopup: true } : {}),
      };
    });
    return [status, ...shown];
  }, [props.columns, props.editable, onToggle, locale, t]);

  const { onEdit } = props;
  const onCellEditRequest = useCallback(
    (event: CellEditRequestEvent<GridRow>) => {
      const column = event.column.getColId() as ColumnId;
      const value: unknown = event.newValue;
      onEdit(event.data.id, column, typeof value === "string" ? value : "");
    },
    [onEdit],
  );

  const focused = (): FocusedCell | null => {
    const api = gridApi.current;
    const cell = api?.getFocusedCell();
    if (!api || !cell || cell.column.getColId() === "status") return null;
    const node = api.getDisplayedRowAtIndex(cell.rowIndex);
    return { rowId: node?.data?.id ?? null, column: cell.column.getColId() as ColumnId };
  };

  const editing = () => (gridApi.current?.getEditingCells().length ?? 0) > 0;

  // The editor's keys go to the editor before the grid sees them (capture phase).
  const onKeyDownCapture = (event: KeyboardEvent<HTMLDivElement>) => {
    const command = commandFor(event.nativeEvent, props.platform, editing());
    if (command === null || command === "copy" || command === "paste") return; // the clipboard events do those
    event.preventDefault();
    event.stopPropagation();
    if (editing()) gridApi.current?.stopEditing();
    props.onCommand(command, focused());
  };

  const onCopy = (event: ClipboardEvent<HTMLDivElement>) => {
    if (editing()) return;
    const selected = (gridApi.current?.getSelectedRows() ?? []).map((row) => row.id);
    const text = props.onCopy(focused(), selected);
    if (text === null) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", text);
  };

  const onPaste = (event: ClipboardEvent<HTMLDivElement>) => {
    const focus = focused();
    if (editing() || focus === null || !props.editable) return;
    event.preventDefault();
    props.onPaste(event.clipboardData.getData("text/plain"), focus);
  };

  // Focus a row once the grid shows it (a new row after Ctrl+Enter, say): now, or when
  // the grid has taken the new rows in.
  const pendingFocus = useRef<FocusedCell | null>(null);
  const applyFocus = useCallback(() => {
    const api = gridApi.current;
    const wanted = pendingFocus.current;
    if (!api || wanted === null || wanted.rowId === null) return;
    const node = api.getRowNode(wanted.rowId);
    if (node?.rowIndex == null) return;
    pendingFocus.current = null;
    api.ensureIndexVisible(node.rowIndex);
    api.setFocusedCell(node.rowIndex, wanted.column);
    // The grid only marks the cell when the focus is outside it (on a toolbar button):
    // the browser's focus goes there too, so the keys that follow land in the cell.
    // The cell is drawn a frame or two after the grid takes the row in.
    const selector = `[role="row"][row-id="${CSS.escape(wanted.rowId)}"] [col-id="${wanted.column}"]`;
    // Once there, it is left alone: the person may be typing in it already.
    const focusCell = (framesLeft: number) => {
      if (api.getEditingCells().length > 0) return;
      const element = container.current?.querySelector<HTMLElement>(selector);
      if (element) {
        if (!element.contains(document.activeElement)) element.focus();
      } else if (framesLeft > 0) {
        requestAnimationFrame(() => { focusCell(framesLeft - 1); });
      }
    };
    focusCell(10);
  }, []);
  const { focusRequest, rows } = props;
  useEffect(() => {
    pendingFocus.current = focusRequest;
    applyFocus();
  }, [focusRequest, applyFocus]);

  // A conflict's or a comparison's marks change cells' classes and notes, and folding
  // a heading its button, not the cells' values, which is all the grid compares: those
  // rows are redrawn (not one being edited,
  // which would end the edit). The saving state is the status column's value: the grid
  // sees that change itself.
  const noted = useRef(new Map<string, string>());
  useEffect(() => {
    const api = gridApi.current;
    if (!api) return;
    const editingRows = new Set(api.getEditingCells().map((each) => each.rowIndex));
    const changed = [];
    const next = new Map<string, string>();
    for (const row of rows) {
      const marks = row.mark === undefined ? [] : [...row.mark.cells, ...row.mark.notes, row.mark.row];
      const notes = row.hasChildren || marks.length > 0 ? JSON.stringify([row.collapsed, row.hasChildren, marks]) : "";
      if (notes !== "") next.set(row.id, notes);
      if ((noted.current.get(row.id) ?? "") === notes) continue;
      const node = api.getRowNode(row.id);
      if (node && node.rowIndex !== null && !editingRows.has(node.rowIndex)) changed.push(node);
    }
    noted.current = next;
    if (changed.length > 0) api.refreshCells({ rowNodes: changed, force: true });
  }, [rows]);

  return (
    <div
      ref={container}
      className="ag-theme-quartz schedule-grid"
      onKeyDownCapture={onKeyDownCapture}
      onCopy={onCopy}
      onPaste={onPaste}
    >
      <datalist id={UNITS_LIST_ID}>
        {props.units.map((unit) => (
          <option key={unit.code} value={unit.code}>
            {unit.name}
          </option>
        ))}
      </datalist>
      <AgGridReact<GridRow>
        theme="legacy"
        // AG Grid's own words (what assistive technology hears of its cells and rows) in
        // the language on screen; a change of language draws the grid anew.
        key={i18n.language}
        localeText={i18n.language === "en" ? AG_GRID_LOCALE_EN : AG_GRID_LOCALE_SE}
        rowData={props.rows as GridRow[]}
        columnDefs={columnDefs}
        getRowId={(params) => params.data.id}
        getRowClass={(params) => (params.data ? rowClasses(params.data) : undefined)}
        readOnlyEdit
        onCellEditRequest={onCellEditRequest}
        onCellEditingStarted={(event) => { props.onEditingChange(event.data?.id ?? null); }}
        onCellEditingStopped={() => { props.onEditingChange(null); }}
        stopEditingWhenCellsLoseFocus
        enterNavigatesVerticallyAfterEdit
        rowSelection={{ mode: "multiRow", checkboxes: false, headerCheckbox: false, enableClickSelection: false }}
        ensureDomOrder
        rowBuffer={30}
        suppressMovableColumns
        suppressDragLeaveHidesColumns
        overlayNoRowsTemplate={t("grid.empty")}
        onCellFocused={() => {
          const focus = focused();
          if (focus !== null) props.onFocusChange(focus);
        }}
        onRowDataUpdated={applyFocus}
        onGridReady={(event) => {
          gridApi.current = event.api;
        }}
      />
    </div>
  );
}

function widthOf(id: ColumnId): number {
  const widths: Partial<Record<ColumnId, number>> = {
    code: 150,
    unit: 90,
    quantity: 120,
    unit_price: 120,
    amount: 140,
    cost_bearer: 140,
    entry_rule: 120,
    regulation: 80,
    note: 200,
  };
  return widths[id] ?? 120;
}

function formatCell(
  value: string | null,
  column: ColumnId,
  locale: string,
  t: (key: string) => string,
): string {
  const spec = columnSpec(column);
  // The grid also formats what the person is typing ("12,5"): that shows as typed.
  if (spec.type === "number") {
    return value !== null && isApiDecimal(value) ? displayNumber(value, spec.numberKind ?? "amount", locale) : (value ?? "");
  }
  if (spec.type === "rule") return value === null || value === "normal" ? "" : ruleCellText(value, t);
  return value ?? "";
}

function isApiDecimal(value: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(value);
}

/** A rule as its cell shows it: four dashes for fyrstreckad, as MER writes it. */
function ruleCellText(rule: string, t: (key: string) => string): string {
  return rule === "included_elsewhere" ? "----" : t(`rules.${rule}`);
}

function rowClasses(data: GridRow): string {
  return `schedule-row schedule-${data.row.kind}`;
}

function cellClasses(data: GridRow | undefined, column: ColumnId, numeric: boolean): string[] {
  const classes = numeric ? ["schedule-number"] : [];
  if (data === undefined) return classes;
  const mark = data.mark;
  if (mark?.cells.get(column) === "conflict") classes.push("schedule-cell-conflict");
  if (mark?.cells.get(column) === "changed") classes.push("schedule-cell-changed");
  if (mark?.row === "added") classes.push("schedule-cell-added");
  if (column === "code" || column === "title") classes.push(`schedule-depth-${String(Math.min(data.depth, DEPTH_CLASSES - 1))}`);
  return classes;
}

/** Saving, saved, failed … as a sign with its words for screen readers and a tooltip. */
function StatusCell(params: ICellRendererParams<GridRow, string>) {
  const { t } = useTranslation("schedule");
  const state = params.value ?? "";
  if (state === "") return null;
  const signs: Record<string, string> = {
    queued: "…",
    saving: "…",
    saved: "✓",
    failed: "!",
    conflict: "⚠",
    refused: "✕",
    added: "+",
    changed: "Δ",
  };
  const words = state === "added" || state === "changed" ? t(`compare.${state}`) : t(`state.${state}`);
  return (
    <span className={`schedule-state schedule-state-${state}`} title={words}>
      <span aria-hidden="true">{signs[state] ?? ""}</span>
      <span className="visually-hidden">{words}</span>
    </span>
  );
}

/** Kod, indented by depth, with a heading's collapse button. */
function CodeCell(
  params: ICellRendererParams<GridRow, string | null> & {
    onToggle: (rowId: string) => void;
    t: (key: string, values?: Record<string, string>) => string;
  },
) {
  const data = params.data;
  if (data === undefined) return null;
  const text = params.valueFormatted ?? params.value ?? "";
  if (!data.hasChildren) return <span className="schedule-code">{text}</span>;
  const label = params.t(data.collapsed ? "grid.expand" : "grid.collapse", { title: data.row.title });
  return (
    <span className="schedule-code">
      <button
        type="button"
        className="schedule-toggle"
        aria-expanded={!data.collapsed}
        aria-label={label}
        title={label}
        tabIndex={-1}
        onClick={(event) => {
          event.stopPropagation();
          params.onToggle(data.id);
        }}
      >
        <span aria-hidden="true">{data.collapsed ? "▸" : "▾"}</span>
      </button>
      {text}
    </span>
  );
}
