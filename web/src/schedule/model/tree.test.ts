import { describe, expect, it } from "vitest";
import { heading, row } from "./testing";
import {
  canMove,
  deletion,
  indentPlacement,
  outdentPlacement,
  placementAsChild,
  placementBelow,
  ScheduleTree,
} from "./tree";

// A            (heading)
//   a1
//   B          (heading)
//     b1
//   a2
// C            (heading, empty)
// x
const ROWS = [
  heading("A", null, 100),
  row({ id: "a1", parent_id: "A", position: 10 }),
  heading("B", "A", 20),
  row({ id: "b1", parent_id: "B", position: 5 }),
  row({ id: "a2", parent_id: "A", position: 30 }),
  heading("C", null, 200),
  row({ id: "x", position: 300 }),
];
const ids = (tree: ScheduleTree) => tree.ordered().map((each) => each.id);
const visibleIds = (tree: ScheduleTree, collapsed: string[] = []) =>
  tree.visible(new Set(collapsed)).map((each) => each.row.id);

describe("building", () => {
  it("orders siblings by position whatever order the rows came in", () => {
    const tree = ScheduleTree.build([...ROWS].reverse());
    expect(ids(tree)).toEqual(["A", "a1", "B", "b1", "a2", "C", "x"]);
  });
  it("knows depths from the parents", () => {
    const tree = ScheduleTree.build(ROWS);
    expect(["A", "a1", "B", "b1", "x"].map((id) => tree.depth(id))).toEqual([0, 1, 1, 2, 0]);
  });
  it("puts a row whose parent is missing at the top rather than losing it", () => {
    const tree = ScheduleTree.build([row({ id: "orphan", parent_id: "gone" })]);
    expect(ids(tree)).toEqual(["orphan"]);
  });
});

describe("visible rows", () => {
  const tree = ScheduleTree.build(ROWS);
  it("lists every row with its depth and whether it has children", () => {
    expect(tree.visible(new Set()).map((v) => [v.row.id, v.depth, v.hasChildren])).toEqual([
      ["A", 0, true],
      ["a1", 1, false],
      ["B", 1, true],
      ["b1", 2, false],
      ["a2", 1, false],
      ["C", 0, false],
      ["x", 0, false],
    ]);
  });
  it("leaves out what is under a collapsed heading, and expands again", () => {
    expect(visibleIds(tree, ["B"])).toEqual(["A", "a1", "B", "a2", "C", "x"]);
    expect(visibleIds(tree, ["A", "B"])).toEqual(["A", "C", "x"]);
    expect(visibleIds(tree, [])).toHaveLength(7);
  });
  it("flattens 5,000 rows in well under a frame's worth of milliseconds per call", () => {
    const many = [];
    for (let h = 0; h < 100; h += 1) {
      many.push(heading(`h${h}`, null, h));
      for (let i = 0; i < 49; i += 1) many.push(row({ id: `h${h}-${i}`, parent_id: `h${h}`, position: i }));
    }
    const big = ScheduleTree.build(many);
    const started = performance.now();
    for (let i = 0; i < 10; i += 1) big.visible(new Set(["h3"]));
    expect(big.visible(new Set(["h3"]))).toHaveLength(5000 - 49);
    expect((performance.now() - started) / 10).toBeLessThan(20);
  });
});

describe("server rows", () => {
  const tree = ScheduleTree.build(ROWS);
  it("adds new rows at their position and replaces known ones", () => {
    const next = tree.withRows([
      row({ id: "a1", parent_id: "A", position: 10, title: "changed", version: 2 }),
      row({ id: "new", parent_id: "A", position: 25 }),
    ]);
    expect(ids(next)).toEqual(["A", "a1", "B", "b1", "new", "a2", "C", "x"]);
    expect(next.get("a1")?.title).toBe("changed");
    expect(ids(tree)).toHaveLength(7); // the old tree is unchanged
  });
  it("moves a row whose parent or position changed, with its subtree", () => {
    const next = tree.withRows([heading("B", null, 250)]);
    expect(ids(next)).toEqual(["A", "a1", "a2", "C", "B", "b1", "x"]);
    expect(next.depth("b1")).toBe(1);
  });
  it("keeps a newer version over an older answer", () => {
    const newer = tree.withRows([row({ id: "x", position: 300, title: "v3", version: 3 })]);
    expect(newer.withRows([row({ id: "x", position: 300, title: "v2", version: 2 })]).get("x")?.title).toBe("v3");
  });
  it("places a child that arrives before its heading", () => {
    const next = tree.withRows([row({ id: "d1", parent_id: "D", position: 1 }), heading("D", null, 400)]);
    expect(ids(next).slice(-2)).toEqual(["D", "d1"]);
  });
  it("drops deleted rows with everything under them", () => {
    const next = tree.without(["B", "x"]);
    expect(ids(next)).toEqual(["A", "a1", "a2", "C"]);
    expect(next.has("b1")).toBe(false);
    expect(next.size).toBe(4);
  });
});

describe("placements", () => {
  const tree = ScheduleTree.build(ROWS);
  it("inserts below a row at its level, after its subtree", () => {
    expect(placementBelow(tree, "B")).toEqual({ parent_id: null, after_id: "B", first: false });
    const placed = tree.placed(row({ id: "n" }), placementBelow(tree, "B"));
    expect(ids(placed)).toEqual(["A", "a1", "B", "b1", "n", "a2", "C", "x"]);
    expect(placed.parentOf("n")).toBe("A");
  });
  it("inserts at the end of an empty schedule", () => {
    const empty = ScheduleTree.empty();
    expect(ids(empty.placed(row({ id: "n" }), placementBelow(empty, null)))).toEqual(["n"]);
  });
  it("inserts as the first child of a heading only", () => {
    const placement = placementAsChild(tree, "C");
    expect(placement).toEqual({ parent_id: "C", after_id: null, first: true });
    expect(tree.placed(row({ id: "n" }), placement ?? placementBelow(tree, null)).parentOf("n")).toBe("C");
    expect(placementAsChild(tree, "x")).toBeNull();
  });
  it("indents under the heading above, as its last child", () => {
    expect(indentPlacement(tree, "a2")).toEqual({ parent_id: null, after_id: "b1", first: false });
    expect(indentPlacement(tree, "x")).toEqual({ parent_id: "C", after_id: null, first: false });
    const indented = tree.placed(tree.get("a2") ?? row({ id: "?" }), indentPlacement(tree, "a2") ?? placementBelow(tree, null));
    expect(indented.depth("a2")).toBe(2);
    expect(ids(indented)).toEqual(["A", "a1", "B", "b1", "a2", "C", "x"]);
  });
  it("does not indent under an item or the first row", () => {
    expect(indentPlacement(tree, "B")).toBeNull(); // a1 above is an item
    expect(indentPlacement(tree, "A")).toBeNull();
  });
  it("outdents to right after the parent heading", () => {
    expect(outdentPlacement(tree, "b1")).toEqual({ parent_id: null, after_id: "B", first: false });
    expect(outdentPlacement(tree, "x")).toBeNull();
    const out = tree.placed(tree.get("a1") ?? row({ id: "?" }), outdentPlacement(tree, "a1") ?? placementBelow(tree, null));
    expect(ids(out)).toEqual(["A", "B", "b1", "a2", "a1", "C", "x"]);
    expect(out.depth("a1")).toBe(0);
  });
  it("moves a subtree, which keeps its rows", () => {
    const moved = tree.placed(tree.get("B") ?? row({ id: "?" }), { parent_id: "C", after_id: null, first: true });
    expect(ids(moved)).toEqual(["A", "a1", "a2", "C", "B", "b1", "x"]);
    expect(moved.depth("b1")).toBe(2);
  });
  it("never moves a row into its own subtree or under an item", () => {
    expect(canMove(tree, "A", { parent_id: "B", after_id: null, first: false })).toBe(false);
    expect(canMove(tree, "A", { parent_id: null, after_id: "b1", first: false })).toBe(false);
    expect(canMove(tree, "x", { parent_id: "a1", after_id: null, first: false })).toBe(false);
    expect(canMove(tree, "x", { parent_id: "B", after_id: null, first: false })).toBe(true);
  });
  it("remembers a row's place to put it back", () => {
    expect(tree.placementOf("a1")).toEqual({ parent_id: "A", after_id: null, first: true });
    expect(tree.placementOf("a2")).toEqual({ parent_id: null, after_id: "B", first: false });
  });
  it("deletes a subtree, the row first", () => {
    expect(deletion(tree, "A")).toEqual(["A", "a1", "B", "b1", "a2"]);
    expect(deletion(tree, "nope")).toEqual([]);
  });
});
