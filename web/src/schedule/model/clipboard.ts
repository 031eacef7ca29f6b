// Copy and paste with Excel. Excel copies a block as tab-separated text: rows end in
// CRLF (and the block with one), a cell with a tab, a line break or a quote is quoted
// with its quotes doubled. A paste lands from the focused cell: each pasted column on
// the grid's visible column at that offset, each line on the visible row below, and
// lines past the last row become new rows under it — all as one batch of operations
// (POST .../rows/batch, all or nothing), or nothing at all when any cell is refused.
import { copyText, readCell, storedValue, type CellContext, type CellProblem, type ColumnId } from "./cells";
import {
  CONTENT_FIELDS,
  draftRow,
  sameValue,
  type CreateOperation,
  type Operation,
  type RowContent,
} from "./operations";
import { contentRefusal, entryRuleChange, type ContentProblem } from "./rules";
import type { Row, VisibleRow } from "./tree";
import { amountOf, moneyString } from "./money";

/** The cells of Excel's text/plain: rows of cells. */
export function parseTsv(text: string): string[][] {
  const rows: string[][] = [];
  let cells: string[] = [];
  let cell = "";
  let i = 0;
  const endRow = () => {
    cells.push(cell);
    rows.push(cells);
    cells = [];
    cell = "";
  };
  while (i < text.length) {
    if (cell === "" && text[i] === '"') {
      // A quoted cell: up to the quote not doubled; what follows it up to the tab or
      // the line's end is kept as it is, as Excel does.
      i += 1;
      while (i < text.length) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        cell += text.charAt(i);
        i += 1;
      }
      cell = cell.replace(/\r\n/g, "\n");
      continue;
    }
    const character = text.charAt(i);
    if (character === "\t") {
      cells.push(cell);
      cell = "";
      i += 1;
    } else if (character === "\r" || character === "\n") {
      endRow();
      i += character === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      cell += character;
      i += 1;
    }
  }
  if (cell !== "" || cells.length > 0) endRow();
  return rows;
}

/** Cells as Excel's text/plain: tabs, CRLF after each row, quoted where needed. */
export function toTsv(rows: readonly (readonly string[])[]): string {
  const quote = (cell: string) => (/[\t\r\n"]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  return rows.map((cells) => cells.map(quote).join("\t") + "\r\n").join("");
}

/** The visible rows × columns as Excel text. */
export function copyCells(rows: readonly Row[], columns: readonly ColumnId[], context: CellContext): string {
  return toTsv(rows.map((row) => columns.map((column) => copyText(row, column, context))));
}

export interface PasteTarget {
  /** The grid's rows as shown, in order. */
  rows: readonly VisibleRow[];
  /** The grid's columns as shown, in order (worked-out ones too: they are skipped). */
  columns: readonly ColumnId[];
  /** The focused cell: the block's top left. */
  rowIndex: number;
  column: ColumnId;
}

export interface PasteError {
  /** The pasted block's line, from 1. */
  line: number;
  column: ColumnId;
  problem: CellProblem | ContentProblem;
}

export interface PastePlan {
  operations: Operation[];
  errors: PasteError[];
  updated: number;
  created: number;
  /** Pasted columns that fell past the grid's last column. */
  clippedColumns: number;
}

/**
 * The batch a paste makes: updates of the rows it lands on (only fields that change),
 * creates of the rows past the last one, in order under the last row's parent.
 */
export function planPaste(
  cells: readonly (readonly string[])[],
  target: PasteTarget,
  context: CellContext,
  newId: () => string,
): PastePlan {
  const start = Math.max(0, target.columns.indexOf(target.column));
  const width = Math.max(0, ...cells.map((line) => line.length));
  const plan: PastePlan = { operations: [], errors: [], updated: 0, created: 0, clippedColumns: 0 };
  plan.clippedColumns = Math.max(0, start + width - target.columns.length);
  const last = target.rows[target.rows.length - 1]?.row ?? null;
  let after: string | null = last?.id ?? null;
  cells.forEach((line, index) => {
    const existing = target.rows[target.rowIndex + index]?.row;
    if (existing === undefined && line.every((cell) => cell.trim() === "")) return; // a blank line past the end
    const base = existing ?? draftRow(newRow("", after, last));
    const content = readLine(line, base, start, target.columns, context, index + 1, plan.errors);
    if (content === null) return;
    const result = { ...base, ...content };
    const refusal = contentRefusal(result);
    if (refusal !== null) {
      plan.errors.push({ line: index + 1, column: refusal.field as ColumnId, problem: refusal.problem });
      return;
    }
    if (existing !== undefined) {
      const changed = changedFields(existing, content);
      if (Object.keys(changed).length === 0) return;
      plan.operations.push({ op: "update", id: existing.id, version: existing.version, ...changed });
      plan.updated += 1;
      return;
    }
    const create = { ...newRow(result.title, after, last), ...changedFields(base, content), id: newId() };
    plan.operations.push(create);
    plan.created += 1;
    after = create.id;
  });
  if (plan.errors.length > 0) plan.operations = [];
  return plan;
}

function newRow(title: string, after: string | null, last: Row | null): CreateOperation {
  return {
    op: "create",
    id: "",
    kind: "item",
    title,
    parent_id: after === null ? (last?.parent_id ?? null) : null,
    after_id: after,
    first: false,
  };
}

/**
 * The fields a pasted line sets on `row`, or null when a cell is refused (noted in
 * `errors`). The entry rule is read first: it decides which other cells the row keeps
 * (a lump sum's Belopp) and clears what it does not allow.
 */
function readLine(
  line: readonly string[],
  row: Row,
  start: number,
  columns: readonly ColumnId[],
  context: CellContext,
  lineNumber: number,
  errors: PasteError[],
): RowContent | null {
  const cells = line
    .map((text, offset) => ({ text, column: columns[start + offset] }))
    .filter((cell): cell is { text: string; column: ColumnId } => cell.column !== undefined)
    .sort((a, b) => Number(b.column === "entry_rule") - Number(a.column === "entry_rule"));
  let content: RowContent = {};
  let current = row;
  let refused = false;
  for (const { text, column } of cells) {
    const reading = readCell(text, current, column, context);
    if (!reading.ok) {
      errors.push({ line: lineNumber, column, problem: reading.problem });
      refused = true;
      continue;
    }
    const rule = reading.content.entry_rule;
    if (rule !== undefined && rule !== row.entry_rule) {
      const amount = amountOf(row);
      content = entryRuleChange(row, rule, amount === null ? null : moneyString(amount));
      current = { ...row, ...content };
    } else {
      content = { ...content, ...reading.content };
    }
  }
  return refused ? null : content;
}

function changedFields(row: Row, content: RowContent): RowContent {
  const changed: RowContent = {};
  for (const field of CONTENT_FIELDS) {
    if (!(field in content)) continue;
    const value = content[field];
    if (!sameValue(field, storedValue(row, field), value ?? null)) Object.assign(changed, { [field]: value });
  }
  return changed;
}
