// What a row may carry, by kind and entry rule (quantities/tree.py check_content), so an
// edit the server would refuse is caught before it is sent; and what changing a row's
// entry rule changes besides, so that change is one edit the server accepts.
import type { ContentField, RowContent } from "./operations";
import type { EntryRule, Row } from "./tree";

export const ENTRY_RULES: readonly EntryRule[] = [
  "normal",
  "included_elsewhere",
  "lump_sum",
  "rate_only",
  "provisional",
];

export type ContentProblem =
  | "notOnHeading"
  | "lumpSumAmountOnly"
  | "rateOnlyNoQuantity"
  | "includedNoPrice"
  | "titleRequired";

export interface ContentRefusal {
  field: ContentField;
  problem: ContentProblem;
}

type Content = Pick<Row, "kind" | "title" | "unit" | "quantity" | "unit_price" | "amount" | "entry_rule">;

/**
 * Why the server would refuse a row with this content, or null when it would not. The
 * `amount` of a row that is not a lump sum is the computed one, so it is not judged.
 */
export function contentRefusal(row: Content): ContentRefusal | null {
  if (row.title.trim() === "") return { field: "title", problem: "titleRequired" };
  if (row.kind !== "item") {
    for (const field of ["unit", "quantity", "unit_price", "amount"] as const) {
      if (row[field] !== null) return { field, problem: "notOnHeading" };
    }
    if (row.entry_rule !== "normal") return { field: "entry_rule", problem: "notOnHeading" };
    return null;
  }
  const rule = row.entry_rule;
  if (rule === "lump_sum" && (row.quantity !== null || row.unit_price !== null)) {
    return { field: row.quantity !== null ? "quantity" : "unit_price", problem: "lumpSumAmountOnly" };
  }
  if (rule === "rate_only" && row.quantity !== null) return { field: "quantity", problem: "rateOnlyNoQuantity" };
  if (rule === "included_elsewhere" && row.unit_price !== null) {
    return { field: "unit_price", problem: "includedNoPrice" };
  }
  return null;
}

/** The row's content as stored: the API's `amount` is stored only for a lump sum. */
export function storedAmount(row: Pick<Row, "entry_rule" | "amount">): string | null {
  return row.entry_rule === "lump_sum" ? row.amount : null;
}

/**
 * The edit that gives a row a new entry rule, clearing what the rule does not allow:
 * a lump sum keeps the amount the row had (quantity × price) as its own.
 */
export function entryRuleChange(row: Row, rule: EntryRule, amount: string | null): RowContent {
  const change: RowContent = { entry_rule: rule };
  if (rule === "lump_sum") {
    return { ...change, quantity: null, unit_price: null, amount: storedAmount(row) ?? amount };
  }
  if (row.entry_rule === "lump_sum") change.amount = null;
  if (rule === "rate_only") change.quantity = null;
  if (rule === "included_elsewhere") change.unit_price = null;
  return change;
}
