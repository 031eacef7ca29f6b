// Undo and redo of the person's own edits: one step per edit, paste or structural
// change, kept as the operations that made it and the operations that take it back.
// Versions are not kept: operations.withVersions gives each its row's version as the
// tree knows it when it is sent, and the tree follows the server's answers.
import {
  applyOne,
  CONTENT_FIELDS,
  contentOf,
  move,
  remove,
  update,
  type ContentField,
  type CreateOperation,
  type Operation,
  type RowContent,
} from "./operations";
import { placementOf, subtreeOf, type Row, type ScheduleTree, type TreeView } from "./tree";

export interface UndoStep {
  redo: Operation[];
  undo: Operation[];
}

/** The operations that take `operations` back, made on `tree` as it was before them. */
export function inverseOf(tree: ScheduleTree, operations: readonly Operation[]): Operation[] {
  const inverse: Operation[] = [];
  tree.edit((draft) => {
    for (const operation of operations) {
      inverse.push(...inverseOne(draft, operation));
      applyOne(draft, operation);
    }
  });
  return inverse.reverse();
}

function inverseOne(tree: TreeView, operation: Operation): Operation[] {
  const row = tree.get(operation.id);
  switch (operation.op) {
    case "create":
      return [remove(operation.id)];
    case "update":
      return row === undefined ? [] : [update(row.id, storedContent(row, Object.keys(contentOf(operation))))];
    case "move":
      return row === undefined ? [] : [move(row.id, placementOf(tree, row.id))];
    case "delete":
      // inverseOf reverses the whole list, so these go in reversed to come out root first.
      return subtreeOf(tree, operation.id)
        .map((id, index) => recreate(tree, id, index === 0))
        .filter((each): each is CreateOperation => each !== null)
        .reverse();
  }
}

/** A deleted row made again with its id, content and place; below its root, in order. */
function recreate(tree: TreeView, id: string, root: boolean): CreateOperation | null {
  const row = tree.get(id);
  if (row === undefined) return null;
  const placement = root ? placementOf(tree, id) : { parent_id: row.parent_id, after_id: null, first: false };
  return {
    op: "create",
    id,
    kind: row.kind,
    ...storedContent(row, CONTENT_FIELDS),
    title: row.title,
    ...placement,
  };
}

/** The row's stored fields: `amount` is stored only for a lump sum (else it is computed). */
function storedContent(row: Row, fields: readonly string[]): RowContent {
  const content: RowContent = {};
  for (const field of fields as readonly ContentField[]) {
    const value = field === "amount" && row.entry_rule !== "lump_sum" ? null : row[field];
    Object.assign(content, { [field]: value });
  }
  return content;
}

/** The person's edits, newest last; a new edit forgets what was undone. */
export class UndoHistory {
  private readonly done: UndoStep[] = [];
  private undone: UndoStep[] = [];

  constructor(private readonly limit = 200) {}

  /** Remember `operations`, about to be made on `tree`. */
  record(tree: ScheduleTree, operations: readonly Operation[]): void {
    if (operations.length === 0) return;
    this.done.push({ redo: [...operations], undo: inverseOf(tree, operations) });
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** The operations that undo the last step, or null when there is none. */
  undo(): Operation[] | null {
    const step = this.done.pop();
    if (step === undefined) return null;
    this.undone.push(step);
    return step.undo;
  }

  /** The operations that make the last undone step again, or null. */
  redo(): Operation[] | null {
    const step = this.undone.pop();
    if (step === undefined) return null;
    this.done.push(step);
    return step.redo;
  }
}
