import { describe, expect, it } from "vitest";
import { applyOperations, move, remove, sameValue, update, withVersions, type Operation } from "./operations";
import { heading, row } from "./testing";
import { ScheduleTree } from "./tree";

const TREE = ScheduleTree.build([
  heading("A", null, 10),
  row({ id: "a1", parent_id: "A", position: 10, version: 4 }),
  heading("B", null, 20),
  row({ id: "b1", parent_id: "B", position: 10, version: 7 }),
]);
const ids = (tree: ScheduleTree) => tree.ordered().map((each) => each.id);

describe("operations on the tree", () => {
  it("creates, updates, moves and deletes in order, in one copy", () => {
    const next = applyOperations(TREE, [
      { op: "create", id: "n", kind: "item", title: "Ny", quantity: "2.000", parent_id: null, after_id: "a1", first: false },
      update("a1", { title: "Ändrad", unit_price: "10.00" }),
      move("b1", { parent_id: "A", after_id: null, first: true }),
      remove("B"),
    ]);
    expect(ids(next)).toEqual(["A", "b1", "a1", "n"]);
    expect(next.get("n")).toMatchObject({ title: "Ny", quantity: "2.000", version: 0, parent_id: "A" });
    expect(next.get("a1")).toMatchObject({ title: "Ändrad", unit_price: "10.00", version: 4 });
    expect(ids(TREE)).toEqual(["A", "a1", "B", "b1"]);
  });
  it("leaves a field it does not name alone, and clears one set to null", () => {
    const next = applyOperations(TREE, [update("a1", { note: "x" }), update("a1", { note: null })]);
    expect(next.get("a1")?.note).toBeNull();
    expect(next.get("a1")?.title).toBe("row a1");
  });
});

describe("versions when sent", () => {
  it("names each row's version as the tree knows it, the next one after a first write", () => {
    const ops: Operation[] = [
      update("a1", { title: "x" }),
      move("a1", { parent_id: "B", after_id: null, first: false }),
      { op: "create", id: "n", kind: "item", title: "Ny", parent_id: null, after_id: null, first: false },
      update("n", { note: "y" }),
      remove("b1"),
    ];
    expect(withVersions((id) => TREE.get(id)?.version, ops).map((op) => ("version" in op ? op.version : null))).toEqual([4, 5, null, 1, 7]);
  });
});

describe("equal values", () => {
  it("compares decimals by value and texts exactly", () => {
    expect(sameValue("quantity", "1.500", "1.5")).toBe(true);
    expect(sameValue("unit_price", "1.50", "1.51")).toBe(false);
    expect(sameValue("title", "a", "a ")).toBe(false);
    expect(sameValue("note", null, null)).toBe(true);
    expect(sameValue("note", null, "")).toBe(false);
  });
});
