import { describe, expect, it } from "vitest";
import { amountOf, moneyString } from "./money";
import { applyOperations, CONTENT_FIELDS, move, remove, update, type Operation } from "./operations";
import { heading, row } from "./testing";
import { ScheduleTree } from "./tree";
import { inverseOf, UndoHistory } from "./undo";

const TREE = ScheduleTree.build([
  heading("A", null, 10),
  row({ id: "a1", parent_id: "A", position: 10, quantity: "2.000", unit_price: "5.00", amount: "10.00" }),
  heading("B", "A", 20),
  row({ id: "b1", parent_id: "B", position: 10, note: "kvar" }),
  row({ id: "b2", parent_id: "B", position: 20, entry_rule: "lump_sum", amount: "-50.00" }),
  row({ id: "a2", parent_id: "A", position: 30 }),
  row({ id: "x", position: 40, title: "sist" }),
]);

/** What a person sees of a tree: order, depth, content and amounts (not versions or positions). */
function shape(tree: ScheduleTree) {
  return tree.ordered().map((each) => {
    const content: Record<string, unknown> = { id: each.id, kind: each.kind, depth: tree.depth(each.id) };
    for (const field of CONTENT_FIELDS) content[field] = each[field];
    const amount = amountOf(each);
    content.amount = amount === null ? null : moneyString(amount);
    return content;
  });
}

function roundTrip(operations: Operation[]) {
  const after = applyOperations(TREE, operations);
  return applyOperations(after, inverseOf(TREE, operations));
}

describe("inverse operations", () => {
  it("put an edited cell back, only the fields edited", () => {
    const inverse = inverseOf(TREE, [update("a1", { quantity: "3.000", note: "ny" })]);
    expect(inverse).toEqual([{ op: "update", id: "a1", version: 0, quantity: "2.000", note: null }]);
  });
  it("take back a create with a delete", () => {
    const create: Operation = { op: "create", id: "n", kind: "item", title: "Ny", parent_id: null, after_id: "x", first: false };
    expect(inverseOf(TREE, [create])).toEqual([remove("n")]);
    expect(shape(roundTrip([create]))).toEqual(shape(TREE));
  });
  it("make a deleted subtree again with its ids, content and place; a lump sum keeps its amount", () => {
    const restored = roundTrip([remove("B")]);
    expect(shape(restored)).toEqual(shape(TREE));
    const creates = inverseOf(TREE, [remove("B")]);
    expect(creates.map((op) => op.id)).toEqual(["B", "b1", "b2"]);
    expect(creates[0]).toMatchObject({ op: "create", parent_id: null, after_id: "a1" });
    expect(creates[2]).toMatchObject({ amount: "-50.00", entry_rule: "lump_sum" });
  });
  it("never recreate a computed amount as a stored one", () => {
    const creates = inverseOf(TREE, [remove("a1")]);
    expect(creates[0]).toMatchObject({ id: "a1", quantity: "2.000", unit_price: "5.00", amount: null });
  });
  it("move a row back where it was", () => {
    const ops = [move("a2", { parent_id: "B", after_id: null, first: true })];
    expect(inverseOf(TREE, ops)).toEqual([move("a2", { parent_id: null, after_id: "B", first: false })]);
    expect(shape(roundTrip(ops))).toEqual(shape(TREE));
  });
  it("take back a whole mixed batch, last operation first", () => {
    const ops: Operation[] = [
      update("x", { title: "ändrad" }),
      move("x", { parent_id: "B", after_id: "b1", first: false }),
      remove("a1"),
      remove("b2"),
      { op: "create", id: "n", kind: "heading", title: "Ny", parent_id: "A", after_id: null, first: true },
      update("x", { note: "två gånger" }),
    ];
    expect(shape(roundTrip(ops))).toEqual(shape(TREE));
  });
});

describe("the history", () => {
  it("undoes and redoes one step per edit or paste", () => {
    const history = new UndoHistory();
    const paste = [update("a1", { quantity: "9.000" }), update("a2", { quantity: "1.000" })];
    history.record(TREE, paste);
    history.record(applyOperations(TREE, paste), [update("x", { note: "n" })]);
    expect(history.undo()).toEqual([update("x", { note: null })]);
    const undoPaste = history.undo();
    expect(undoPaste?.map((op) => op.id)).toEqual(["a2", "a1"]);
    expect(history.undo()).toBeNull();
    expect(history.canRedo).toBe(true);
    expect(history.redo()).toEqual(paste);
  });
  it("forgets what was undone when a new edit comes", () => {
    const history = new UndoHistory();
    history.record(TREE, [update("a1", { note: "1" })]);
    history.undo();
    history.record(TREE, [update("a1", { note: "2" })]);
    expect(history.canRedo).toBe(false);
    expect(history.canUndo).toBe(true);
  });
  it("keeps at most its limit of steps", () => {
    const history = new UndoHistory(2);
    for (const note of ["1", "2", "3"]) history.record(TREE, [update("a1", { note })]);
    expect(history.undo()).not.toBeNull();
    expect(history.undo()).not.toBeNull();
    expect(history.undo()).toBeNull();
  });
});
