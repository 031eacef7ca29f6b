// Amounts and totals in the browser, exactly as the server makes them
// (quantities/money.py, quantities/totals.py): decimal.js only, each row rounded half-up
// to öre, and an empty quantity or price is "not priced", never 0.
import { Money } from "../../format";
import type { EntryRule, Row, ScheduleTree } from "./tree";

export const ORE_DIGITS = 2;
const ZERO = new Money(0);

type Priced = Pick<Row, "kind" | "entry_rule" | "quantity" | "unit_price" | "amount">;

/** Entry rules whose rows carry no amount of their own. */
const WITHOUT_AMOUNT: ReadonlySet<EntryRule> = new Set(["included_elsewhere", "rate_only"]);

/**
 * The row's amount, or null when it has none: quantity × unit price half-up to öre
 * (normal, provisional); a lump sum's own amount (the row's `amount`); none for rows
 * included elsewhere (fyrstreckad), rate-only rows, headings and texts.
 */
export function amountOf(row: Priced): Money | null {
  if (row.kind !== "item") return null;
  if (row.entry_rule === "lump_sum") return row.amount === null ? null : new Money(row.amount);
  if (WITHOUT_AMOUNT.has(row.entry_rule)) return null;
  if (row.quantity === null || row.unit_price === null) return null;
  return new Money(row.quantity)
    .times(new Money(row.unit_price))
    .toDecimalPlaces(ORE_DIGITS, Money.ROUND_HALF_UP);
}

/** Whether an item has the price its rule asks for; null when it asks for none. */
export function isPriced(row: Priced): boolean | null {
  if (row.kind !== "item" || row.entry_rule === "included_elsewhere") return null;
  if (row.entry_rule === "rate_only") return row.unit_price !== null;
  return amountOf(row) !== null;
}

export interface HeadingTotal {
  id: string;
  depth: number;
  total: Money;
}

export interface CostBearerTotal {
  costBearer: string | null;
  total: Money;
}

export interface Totals {
  total: Money;
  pricedItems: number;
  unpricedItems: number;
  /** Every heading in tree order, with the total of its whole subtree. */
  headings: HeadingTotal[];
  /** By cost bearer (a row's own, else its nearest heading's), sorted by name. */
  costBearers: CostBearerTotal[];
}

/** The sammanställning of a tree in one walk, as quantities/totals.py makes it. */
export function summarize(tree: ScheduleTree): Totals {
  let total = ZERO;
  let pricedItems = 0;
  let unpricedItems = 0;
  const headings: HeadingTotal[] = [];
  const bearers = new Map<string | null, Money>();
  const open: HeadingTotal[] = []; // the headings above the current row
  const bearerAtDepth: (string | null)[] = [];
  for (const row of tree.ordered()) {
    const depth = tree.depth(row.id);
    while (open.length > 0 && (open[open.length - 1] as HeadingTotal).depth >= depth) open.pop();
    bearerAtDepth.length = depth;
    const bearer = row.cost_bearer || (bearerAtDepth[depth - 1] ?? null);
    bearerAtDepth.push(bearer);
    if (row.kind === "heading") {
      const heading = { id: row.id, depth, total: ZERO };
      headings.push(heading);
      open.push(heading);
      continue;
    }
    if (row.kind !== "item") continue;
    const state = isPriced(row);
    if (state === true) pricedItems += 1;
    if (state === false) unpricedItems += 1;
    const amount = amountOf(row);
    if (amount === null) continue;
    total = total.plus(amount);
    bearers.set(bearer, (bearers.get(bearer) ?? ZERO).plus(amount));
    for (const heading of open) heading.total = heading.total.plus(amount);
  }
  const costBearers = [...bearers.entries()]
    .map(([costBearer, sum]) => ({ costBearer, total: sum }))
    .sort((a, b) => compareText(a.costBearer ?? "", b.costBearer ?? ""));
  return { total, pricedItems, unpricedItems, headings, costBearers };
}

/** Python's order of strings (by code point), which the server sorts with. */
function compareText(a: string, b: string): number {
  const left = codePoints(a);
  const right = codePoints(b);
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function codePoints(text: string): number[] {
  const points: number[] = [];
  for (const character of text) points.push(character.codePointAt(0) ?? 0);
  return points;
}

/** A total as the API writes money: `"1234.50"`. */
export function moneyString(value: Money): string {
  return value.toFixed(ORE_DIGITS);
}
