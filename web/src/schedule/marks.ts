// What the grid marks on a row: how its saving goes, a colleague's conflicting value
// beside the person's, and in a comparison what was added or changed (the cells'
// classes and tooltips; the words come from the caller).
import type { Comparison } from "./api";
import type { ColumnId } from "./model/cells";
import { COLUMNS } from "./model/cells";
import type { EditState, PendingEdit } from "./model/saving";
import { editedFields } from "./model/saving";

export type RowState = EditState | "saved" | "added" | "changed";

export interface RowMark {
  state: RowState | null;
  row: "added" | null;
  cells: Map<ColumnId, "conflict" | "changed">;
  /** A cell's tooltip: the colleague's value, or the old one in a comparison. */
  notes: Map<ColumnId, string>;
}

const COLUMN_IDS: ReadonlySet<string> = new Set(COLUMNS.map((column) => column.id));

function markOf(marks: Map<string, RowMark>, id: string): RowMark {
  let mark = marks.get(id);
  if (mark === undefined) {
    mark = { state: null, row: null, cells: new Map(), notes: new Map() };
    marks.set(id, mark);
  }
  return mark;
}

/**
 * The marks of saving: the state of the latest edit of each row, a row saved a moment
 * ago, and each conflicting cell with the colleague's value (`theirsText`).
 */
export function savingMarks(
  pending: readonly PendingEdit[],
  saved: ReadonlySet<string>,
  theirsText: (edit: PendingEdit, rowId: string, column: ColumnId) => string,
): Map<string, RowMark> {
  const marks = new Map<string, RowMark>();
  for (const id of saved) markOf(marks, id).state = "saved";
  for (const edit of pending) {
    for (const operation of edit.operations) markOf(marks, operation.id).state = edit.state;
    if (edit.state !== "conflict") continue;
    for (const id of edit.base.keys()) {
      const mark = markOf(marks, id);
      for (const field of editedFields(edit, id)) {
        if (!COLUMN_IDS.has(field)) continue;
        const column = field as ColumnId;
        mark.cells.set(column, "conflict");
        mark.notes.set(column, theirsText(edit, id, column));
      }
    }
  }
  return marks;
}

/** The marks of a comparison: added rows, and changed cells with their old values. */
export function comparisonMarks(
  comparison: Comparison,
  oldText: (column: ColumnId, old: string | null) => string,
): Map<string, RowMark> {
  const marks = new Map<string, RowMark>();
  for (const added of comparison.added) {
    const mark = markOf(marks, added.id);
    mark.state = "added";
    mark.row = "added";
  }
  for (const changed of comparison.changed) {
    const mark = markOf(marks, changed.id);
    mark.state = "changed";
    for (const change of changed.changes) {
      const column = (change.field === "lump_sum" ? "amount" : change.field) as ColumnId;
      if (!COLUMN_IDS.has(column)) continue;
      mark.cells.set(column, "changed");
      mark.notes.set(column, oldText(column, change.old));
    }
  }
  return marks;
}
