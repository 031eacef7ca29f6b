import { describe, expect, it } from "vitest";
import { contentRefusal, entryRuleChange } from "./rules";
import { row } from "./testing";

describe("what a row may carry", () => {
  it("accepts an item with a quantity and a price", () => {
    expect(contentRefusal(row({ id: "a", quantity: "1.000", unit_price: "2.00" }))).toBeNull();
  });
  it("refuses numbers and rules on headings and texts", () => {
    expect(contentRefusal(row({ id: "h", kind: "heading", quantity: "1.000" }))).toEqual({
      field: "quantity",
      problem: "notOnHeading",
    });
    expect(contentRefusal(row({ id: "t", kind: "text", entry_rule: "lump_sum" }))?.field).toBe("entry_rule");
  });
  it("holds each entry rule to what it carries", () => {
    expect(contentRefusal(row({ id: "l", entry_rule: "lump_sum", quantity: "1.000" }))?.problem).toBe("lumpSumAmountOnly");
    expect(contentRefusal(row({ id: "n", quantity: "2.000", unit_price: "2.50", amount: "5.00" }))).toBeNull();
    expect(contentRefusal(row({ id: "r", entry_rule: "rate_only", quantity: "1.000" }))?.problem).toBe("rateOnlyNoQuantity");
    expect(contentRefusal(row({ id: "i", entry_rule: "included_elsewhere", unit_price: "1.00" }))?.problem).toBe("includedNoPrice");
    expect(contentRefusal(row({ id: "e", title: "  " }))?.problem).toBe("titleRequired");
  });
});

describe("changing the entry rule", () => {
  const priced = row({ id: "a", quantity: "2.000", unit_price: "5.00", amount: "10.00" });
  it("turns a priced row into a lump sum of its amount", () => {
    expect(entryRuleChange(priced, "lump_sum", "10.00")).toEqual({
      entry_rule: "lump_sum",
      quantity: null,
      unit_price: null,
      amount: "10.00",
    });
  });
  it("clears the price of a row included elsewhere, the quantity of a rate-only row", () => {
    expect(entryRuleChange(priced, "included_elsewhere", "10.00")).toEqual({ entry_rule: "included_elsewhere", unit_price: null });
    expect(entryRuleChange(priced, "rate_only", "10.00")).toEqual({ entry_rule: "rate_only", quantity: null });
  });
  it("drops a lump sum's amount when it becomes a normal row", () => {
    const lump = row({ id: "l", entry_rule: "lump_sum", amount: "99.00" });
    expect(entryRuleChange(lump, "normal", "99.00")).toEqual({ entry_rule: "normal", amount: null });
  });
  it("every change it makes passes the server's rules", () => {
    for (const rule of ["normal", "included_elsewhere", "lump_sum", "rate_only", "provisional"] as const) {
      const changed = { ...priced, ...entryRuleChange(priced, rule, "10.00") };
      expect(contentRefusal(changed), rule).toBeNull();
    }
  });
});
