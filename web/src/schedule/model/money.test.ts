import { describe, expect, it } from "vitest";
import { amountOf, isPriced, moneyString, summarize } from "./money";
import { row } from "./testing";
import { ScheduleTree, type Row } from "./tree";

// The same tree as a script ran through quantities/totals.py `summarize`; the expected
// numbers below are what the server printed, to the öre.
type Spec = [number, number | null, number, Row["kind"], Row["entry_rule"], string | null, string | null, string | null, string | null];
const SPECS: Spec[] = [
  [1, null, 10, "heading", "normal", null, null, null, "Gata"],
  [2, 1, 10, "item", "normal", "412.500", "185.25", null, null],
  [3, 1, 20, "item", "normal", "0.005", "1.00", null, null],
  [4, 1, 30, "heading", "normal", null, null, null, "VA"],
  [5, 4, 10, "item", "provisional", "2.675", "3.33", null, null],
  [6, 4, 20, "item", "included_elsewhere", "12.000", null, null, null],
  [7, 4, 30, "item", "rate_only", null, "450.00", null, null],
  [8, 4, 40, "item", "lump_sum", null, null, "-1250.55", "Gata"],
  [9, 4, 50, "item", "normal", "3.000", null, null, null],
  [10, null, 20, "heading", "normal", null, null, null, null],
  [11, 10, 10, "item", "normal", "999999999999.999", "999999999999.99", null, null],
  [12, 10, 20, "text", "normal", null, null, null, null],
  [13, 10, 30, "item", "normal", "1.115", "0.50", null, "El"],
  [14, null, 30, "item", "rate_only", null, null, null, null],
];
// Listed out of order on purpose: the tree sorts by position.
const ROWS = [...SPECS].reverse().map(([id, parent, position, kind, rule, quantity, price, lump, bearer]) =>
  row({
    id: String(id),
    parent_id: parent === null ? null : String(parent),
    position,
    kind,
    entry_rule: rule,
    quantity,
    unit_price: price,
    amount: lump,
    cost_bearer: bearer,
  }),
);
const SERVER_AMOUNTS: Record<string, string | null> = {
  "1": null, "2": "76415.63", "3": "0.01", "4": null, "5": "8.91", "6": null, "7": null,
  "8": "-1250.55", "9": null, "10": null, "11": "999999999999989000000000.00", "12": null,
  "13": "0.56", "14": null,
};

function amountText(priced: Row): string | null {
  const amount = amountOf(priced);
  return amount === null ? null : moneyString(amount);
}

describe("a row's amount", () => {
  it("matches the server's for every entry rule, to the öre", () => {
    for (const each of ROWS) expect(amountText(each), `row ${each.id}`).toBe(SERVER_AMOUNTS[each.id]);
  });
  it("rounds half up, never to even and never through a float", () => {
    // 0.125 × 1 → 0.13 (banker's rounding gives 0.12); 1.005 as a float is 1.00499…
    expect(amountText(row({ id: "a", quantity: "0.125", unit_price: "1.00" }))).toBe("0.13");
    expect(amountText(row({ id: "b", quantity: "1.005", unit_price: "1.00" }))).toBe("1.01");
    expect(amountText(row({ id: "c", quantity: "0.001", unit_price: "4.99" }))).toBe("0.00");
  });
  it("is none while the quantity or the price is empty (not priced is never 0)", () => {
    expect(amountOf(row({ id: "a", quantity: "2.000" }))).toBeNull();
    expect(amountOf(row({ id: "b", unit_price: "2.00" }))).toBeNull();
    expect(isPriced(row({ id: "c", quantity: "2.000" }))).toBe(false);
  });
  it("ignores a stale amount on rules that carry none", () => {
    expect(amountOf(row({ id: "a", entry_rule: "included_elsewhere", amount: "5.00" }))).toBeNull();
    expect(amountOf(row({ id: "b", kind: "heading", amount: "5.00" }))).toBeNull();
  });
});

describe("the sammanställning", () => {
  const totals = summarize(ScheduleTree.build(ROWS));
  it("has the server's grand total and counts", () => {
    expect(moneyString(totals.total)).toBe("999999999999989000075174.56");
    expect(totals.pricedItems).toBe(7);
    expect(totals.unpricedItems).toBe(2);
  });
  it("totals each heading's whole subtree", () => {
    expect(totals.headings.map((h) => [h.id, h.depth, moneyString(h.total)])).toEqual([
      ["1", 0, "75174.00"],
      ["4", 1, "-1241.64"],
      ["10", 0, "999999999999989000000000.56"],
    ]);
  });
  it("totals each cost bearer, a row's own or its nearest heading's", () => {
    expect(totals.costBearers.map((b) => [b.costBearer, moneyString(b.total)])).toEqual([
      [null, "999999999999989000000000.00"],
      ["El", "0.56"],
      ["Gata", "75165.09"],
      ["VA", "8.91"],
    ]);
  });
  it("is zero for an empty schedule", () => {
    const empty = summarize(ScheduleTree.empty());
    expect(moneyString(empty.total)).toBe("0.00");
    expect(empty.headings).toEqual([]);
  });
});
