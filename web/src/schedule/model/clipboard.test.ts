import { describe, expect, it } from "vitest";
import type { CellContext, ColumnId } from "./cells";
import { copyCells, parseTsv, planPaste, toTsv, type PasteTarget } from "./clipboard";
import { heading, row } from "./testing";
import { ScheduleTree } from "./tree";

const CONTEXT: CellContext = {
  units: [
    { code: "m2", symbol: "m²" },
    { code: "st", symbol: "st" },
    { code: "m3", symbol: "m³" },
  ],
  ruleNames: new Map([
    ["klumpsumma", "lump_sum"],
    ["lump sum", "lump_sum"],
    ["endast à-pris", "rate_only"],
  ]),
  ruleText: (rule) => ({ normal: "", included_elsewhere: "----", lump_sum: "Klumpsumma", rate_only: "Endast à-pris", provisional: "Preliminär" })[rule],
};
const GRID: ColumnId[] = ["code", "title", "unit", "quantity", "unit_price", "amount", "entry_rule", "note"];

const TREE = ScheduleTree.build([
  heading("H", null, 1),
  row({ id: "a", parent_id: "H", position: 1, title: "Schakt", unit: "m3", quantity: "10.000", unit_price: "100.00", amount: "1000.00", version: 3 }),
  row({ id: "b", parent_id: "H", position: 2, title: "Fyllning", version: 5 }),
]);

function target(rowIndex: number, column: ColumnId): PasteTarget {
  return { rows: TREE.visible(new Set()), columns: GRID, rowIndex, column };
}

function ids() {
  let next = 0;
  return () => `new-${String((next += 1))}`;
}

describe("reading Excel's text", () => {
  it("splits cells on tabs and rows on CRLF, the last CRLF ending the block", () => {
    expect(parseTsv("a\tb\r\nc\td\r\n")).toEqual([["a", "b"], ["c", "d"]]);
    expect(parseTsv("a\tb\nc\td")).toEqual([["a", "b"], ["c", "d"]]);
  });
  it("keeps empty cells, and a single cell alone", () => {
    expect(parseTsv("\t\tx\r\n")).toEqual([["", "", "x"]]);
    expect(parseTsv("x")).toEqual([["x"]]);
    expect(parseTsv("")).toEqual([]);
    expect(parseTsv("\r\n")).toEqual([[""]]);
  });
  it("reads a quoted cell with line breaks, tabs and doubled quotes", () => {
    const text = 'DCB.1\t"Fyllning\r\nmed ""krossmaterial""\tunder platta"\t12,5\r\nnästa\r\n';
    expect(parseTsv(text)).toEqual([
      ["DCB.1", 'Fyllning\nmed "krossmaterial"\tunder platta', "12,5"],
      ["nästa"],
    ]);
  });
  it("keeps a quote inside an unquoted cell as it is", () => {
    expect(parseTsv('12" rör\tx\r\n')).toEqual([['12" rör', "x"]]);
  });
  it("writes what it reads", () => {
    const cells = [["a\tb", 'c"d', "e\nf"], ["", "x", ""]];
    expect(parseTsv(toTsv(cells))).toEqual(cells);
    expect(toTsv([["1", "2"]])).toBe("1\t2\r\n");
  });
});

describe("copying out", () => {
  it("writes numbers with a decimal comma, the fyrstreckad dashes and inert texts", () => {
    const rows = [
      row({ id: "1", title: "=SUM(A1)", quantity: "1234.500", unit_price: "12.30", note: "två\nrader" }),
      row({ id: "2", title: "Ingår", entry_rule: "included_elsewhere", quantity: "3.000" }),
      row({ id: "3", title: "Klump", entry_rule: "lump_sum", amount: "-1250.55" }),
    ];
    expect(copyCells(rows, ["title", "quantity", "unit_price", "amount", "entry_rule", "note"], CONTEXT)).toBe(
      "'=SUM(A1)\t1234,5\t12,30\t15184,35\t\t\"två\nrader\"\r\n" +
        "Ingår\t3\t\t\t----\t\r\n" +
        "Klump\t\t\t-1250,55\tKlumpsumma\t\r\n",
    );
  });
});

describe("pasting a block", () => {
  it("updates the rows it lands on and creates rows past the last, in one batch", () => {
    const block = parseTsv("10,5\t1 234,50\r\n2\t\r\n3\t99,90\r\n");
    // Mängd and À-pris of a, b and one new row: the new row needs a title, so refused.
    const refused = planPaste(block, target(1, "quantity"), CONTEXT, ids());
    expect(refused.operations).toEqual([]);
    expect(refused.errors).toEqual([{ line: 3, column: "title", problem: "titleRequired" }]);

    const withTitles = parseTsv("Schakt\tm³\t10,5\t1 234,50\r\nFyllning\tst\t2\t\r\nNy rad\tm2\t3\t99,90\r\n");
    const plan = planPaste(withTitles, target(1, "title"), CONTEXT, ids());
    expect(plan.errors).toEqual([]);
    expect(plan.operations).toEqual([
      { op: "update", id: "a", version: 3, quantity: "10.500", unit_price: "1234.50" },
      { op: "update", id: "b", version: 5, unit: "st", quantity: "2.000" },
      {
        op: "create",
        id: "new-1",
        kind: "item",
        title: "Ny rad",
        unit: "m2",
        quantity: "3.000",
        unit_price: "99.90",
        parent_id: null,
        after_id: "b",
        first: false,
      },
    ]);
    expect([plan.updated, plan.created]).toEqual([2, 1]);
  });
  it("chains new rows one after another, skipping blank lines past the end", () => {
    const plan = planPaste(parseTsv("X1\r\n\t\r\nX2\r\n"), target(3, "title"), CONTEXT, ids());
    expect(plan.operations.map((op) => [op.op, op.id, "after_id" in op ? op.after_id : null])).toEqual([
      ["create", "new-1", "b"],
      ["create", "new-2", "new-1"],
    ]);
  });
  it("skips cells that change nothing and rows with nothing changed", () => {
    const plan = planPaste(parseTsv("Schakt\tm3\t10\t100\r\n"), target(1, "title"), CONTEXT, ids());
    expect(plan.operations).toEqual([]);
    expect(plan.errors).toEqual([]);
  });
  it("refuses the whole paste when one cell is junk, naming its line and column", () => {
    const plan = planPaste(parseTsv("1\r\nabc\r\n12-\r\n"), target(1, "quantity"), CONTEXT, ids());
    expect(plan.operations).toEqual([]);
    expect(plan.errors).toEqual([
      { line: 2, column: "quantity", problem: "notANumber" },
      { line: 3, column: "quantity", problem: "notANumber" },
    ]);
  });
  it("refuses numbers on a heading and an unknown unit", () => {
    const plan = planPaste(parseTsv("m2\t5\r\nfat\t1\r\n"), target(0, "unit"), CONTEXT, ids());
    expect(plan.errors).toEqual([
      { line: 1, column: "unit", problem: "notOnHeading" },
      { line: 1, column: "quantity", problem: "notOnHeading" },
      { line: 2, column: "unit", problem: "unknownUnit" },
    ]);
  });
  it("skips a worked-out Belopp and takes a lump sum's", () => {
    const plan = planPaste(parseTsv("1\t5\t999,99\r\n\t\t-50\tKlumpsumma\r\n"), target(1, "quantity"), CONTEXT, ids());
    expect(plan.errors).toEqual([]);
    expect(plan.operations).toEqual([
      { op: "update", id: "a", version: 3, quantity: "1.000", unit_price: "5.00" },
      { op: "update", id: "b", version: 5, entry_rule: "lump_sum", amount: "-50.00" },
    ]);
  });
  it("sets the fyrstreckad rule from dashes, clearing the price", () => {
    const plan = planPaste(parseTsv("----\r\n"), target(1, "entry_rule"), CONTEXT, ids());
    expect(plan.operations).toEqual([{ op: "update", id: "a", version: 3, entry_rule: "included_elsewhere", unit_price: null }]);
  });
  it("drops columns past the grid's last and says how many", () => {
    const plan = planPaste(parseTsv("anm\textra\tmer\r\n"), target(1, "note"), CONTEXT, ids());
    expect(plan.clippedColumns).toBe(2);
    expect(plan.operations).toEqual([{ op: "update", id: "a", version: 3, note: "anm" }]);
  });
  it("reads back its own copy: an escaped formula text stays text", () => {
    const copied = copyCells([row({ id: "x", title: "=1+1" })], ["title"], CONTEXT);
    const plan = planPaste(parseTsv(copied), target(1, "title"), CONTEXT, ids());
    expect(plan.operations).toEqual([{ op: "update", id: "a", version: 3, title: "=1+1" }]);
  });
});

describe("line breaks in pasted text", () => {
  it("keeps them in Anm. and makes them spaces in a one-line field", () => {
    const title = planPaste(parseTsv('"två\r\nrader\tmed tabb"\r\n'), target(1, "title"), CONTEXT, ids());
    expect(title.operations).toEqual([{ op: "update", id: "a", version: 3, title: "två rader med tabb" }]);
    const note = planPaste(parseTsv('"anm\r\nrad två"\r\n'), target(1, "note"), CONTEXT, ids());
    expect(note.operations).toEqual([{ op: "update", id: "a", version: 3, note: "anm\nrad två" }]);
  });
});
