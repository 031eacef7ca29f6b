// The edits the editor sends: the operations of POST .../rows/batch (create, update,
// delete, move), applied to the tree at once so the screen shows them while they are
// saved, and given the versions the server expects when they are sent.
import { Money } from "../../format";
import type { Placement, Row, RowKind, ScheduleTree, TreeDraft } from "./tree";

/** The fields of a row a person edits (quantities/schemas.py RowFields). */
export const CONTENT_FIELDS = [
  "code",
  "title",
  "description",
  "unit",
  "quantity",
  "unit_price",
  "amount",
  "entry_rule",
  "regulation",
  "cost_bearer",
  "note",
] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];
export type RowContent = Partial<Pick<Row, ContentField>>;

export type CreateOperation = { op: "create"; id: string; kind: RowKind; title: string } & RowContent &
  Placement;
export type UpdateOperation = { op: "update"; id: string; version: number } & RowContent;
export interface DeleteOperation {
  op: "delete";
  id: string;
  version: number;
}
export type MoveOperation = { op: "move"; id: string; version: number } & Placement;
export type Operation = CreateOperation | UpdateOperation | DeleteOperation | MoveOperation;

/** A content change as an update operation (its version is set when it is sent). */
export function update(id: string, content: RowContent): UpdateOperation {
  return { op: "update", id, version: 0, ...content };
}

export function move(id: string, placement: Placement): MoveOperation {
  return { op: "move", id, version: 0, ...placement };
}

export function remove(id: string): DeleteOperation {
  return { op: "delete", id, version: 0 };
}

/** The content fields an operation names. */
export function contentOf(operation: CreateOperation | UpdateOperation): RowContent {
  const content: RowContent = {};
  for (const field of CONTENT_FIELDS) {
    if (field in operation) Object.assign(content, { [field]: operation[field] });
  }
  return content;
}

/** Every field of a row with nothing in it: an item without content, version 0. */
export const BLANK_ROW: Omit<Row, "id" | "title"> = {
  parent_id: null,
  position: 0,
  kind: "item",
  code: null,
  description: null,
  unit: null,
  quantity: null,
  unit_price: null,
  amount: null,
  entry_rule: "normal",
  regulation: null,
  cost_bearer: null,
  note: null,
  stable_key: "",
  version: 0,
};

/** A new row as the tree shows it before the server has answered (version 0). */
export function draftRow(operation: CreateOperation): Row {
  return {
    ...BLANK_ROW,
    id: operation.id,
    parent_id: operation.parent_id,
    kind: operation.kind,
    ...contentOf(operation),
    title: operation.title,
  };
}

/** The tree as it is once `operations` are made, in order. */
export function applyOperations(tree: ScheduleTree, operations: readonly Operation[]): ScheduleTree {
  if (operations.length === 0) return tree;
  return tree.edit((draft) => {
    for (const operation of operations) applyOne(draft, operation);
  });
}

/** One operation made on a tree being changed. */
export function applyOne(draft: TreeDraft, operation: Operation): void {
  switch (operation.op) {
    case "create":
      draft.place(draftRow(operation), operation);
      return;
    case "update":
      draft.setFields(operation.id, contentOf(operation));
      return;
    case "delete":
      draft.remove(operation.id);
      return;
    case "move": {
      const row = draft.get(operation.id);
      if (row !== undefined) draft.place(row, operation);
    }
  }
}

/**
 * The operations with the versions the server checks: `versionOf` a row (what the
 * person last saw of it), 1 for a row the same batch creates; a row a batch already
 * wrote has its next version for the operations after (quantities/edits.py bumps a
 * version once a batch).
 */
export function withVersions(
  versionOf: (id: string) => number | undefined,
  operations: readonly Operation[],
): Operation[] {
  const versions = new Map<string, number>();
  return operations.map((operation) => {
    if (operation.op === "create") {
      versions.set(operation.id, 1);
      return operation;
    }
    const known = versions.get(operation.id);
    const version = known ?? versionOf(operation.id) ?? operation.version;
    versions.set(operation.id, known ?? version + 1);
    return { ...operation, version };
  });
}

/** Whether a value in a content field equals another, decimals by value ("1.50" = "1.5"). */
export function sameValue(field: ContentField, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "string" || typeof b !== "string") return false;
  if (field === "quantity" || field === "unit_price" || field === "amount") {
    return new Money(a).equals(new Money(b));
  }
  return false;
}
