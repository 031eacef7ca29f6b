// Numbers people type or paste into the grid, read exactly; and numbers written back out
// for the screen (format.ts, Swedish grouping), for the cell editor and for Excel.
//
// What is read, Swedish first:
// - group separators: space, U+00A0 and U+202F/U+2009 (Swedish, Excel's "1 234,50"),
//   or "." / "," when the other one is the decimal mark ("1.234,50", "1,234.50"), or the
//   same mark twice or more with no decimals ("1,234,567"); groups are of three digits;
// - one "," or one "." alone is the decimal mark: "1234,5" and "1234.5" are both
//   1234.5, and "1,234" is 1.234 (Swedish) — so for a price, where three decimals
//   cannot be, "1,234" and "1.234" are refused as ambiguous rather than guessed;
// - a leading "-", "+" or U+2212 minus; a trailing minus ("12-"), parentheses,
//   exponents and anything else are refused, never guessed;
// - a trailing "kr" or "SEK" on money, as Excel copies a formatted cell;
// - more decimals than the field holds are refused unless they are zeros; the whole
//   number holds at most 15 digits (the API's rule).
import { formatDecimal, Money } from "../../format";

export type NumberKind = "quantity" | "price" | "amount";

interface NumberRule {
  places: number;
  signed: boolean;
  money: boolean;
}

/** The API's rules (quantities/schemas.py): quantity 3 decimals, money 2; only a lump sum's amount may be negative. */
export const NUMBER_RULES: Readonly<Record<NumberKind, NumberRule>> = {
  quantity: { places: 3, signed: false, money: false },
  price: { places: 2, signed: false, money: true },
  amount: { places: 2, signed: true, money: true },
};
const MAX_DIGITS = 15;

export type NumberProblem = "notANumber" | "ambiguous" | "tooManyDecimals" | "tooLarge" | "negative";

/** A read number as the API's string (`"1234.50"`), null for an empty cell; or why not. */
export type ParsedNumber = { ok: true; value: string | null } | { ok: false; problem: NumberProblem };

const SPACES = /[ \u00a0\u202f\u2009]/;
const CURRENCY = /\s*(kr|sek)\.?$/i;

export function parseNumber(text: string, kind: NumberKind): ParsedNumber {
  const rule = NUMBER_RULES[kind];
  let body = text.trim();
  if (rule.money) body = body.replace(CURRENCY, "");
  if (body === "") return { ok: true, value: null };
  let negative = false;
  const sign = body[0];
  if (sign === "-" || sign === "\u2212" || sign === "+") {
    negative = sign !== "+";
    body = body.slice(1).trimStart();
  }
  const parts = splitNumber(body, rule.places);
  if ("problem" in parts) return { ok: false, problem: parts.problem };
  const whole = parts.whole.replace(/^0+(?=\d)/, "");
  const fraction = parts.fraction.replace(/0+$/, "");
  if (fraction.length > rule.places) return { ok: false, problem: "tooManyDecimals" };
  if (whole.length > MAX_DIGITS - rule.places) return { ok: false, problem: "tooLarge" };
  const value = new Money(`${whole || "0"}.${fraction || "0"}`);
  if (negative && !value.isZero() && !rule.signed) return { ok: false, problem: "negative" };
  const signed = negative && !value.isZero() ? value.negated() : value;
  return { ok: true, value: signed.toFixed(rule.places) };
}

/** The digits before and after the decimal mark, group separators checked and gone. */
function splitNumber(
  body: string,
  places: number,
): { whole: string; fraction: string } | { problem: NumberProblem } {
  if (!/^[0-9 .,\u00a0\u202f\u2009]+$/.test(body)) return { problem: "notANumber" };
  const commas = count(body, ",");
  const dots = count(body, ".");
  const spaced = SPACES.test(body);
  let decimal: string | null = null;
  let group: string | null = spaced ? " " : null;
  if (commas > 0 && dots > 0) {
    if (spaced) return { problem: "notANumber" };
    decimal = body.lastIndexOf(",") > body.lastIndexOf(".") ? "," : ".";
    group = decimal === "," ? "." : ",";
    if (count(body, decimal) > 1) return { problem: "notANumber" };
  } else if (commas + dots === 1) {
    decimal = commas === 1 ? "," : ".";
  } else if (commas + dots > 1) {
    if (spaced || (commas > 0 && dots > 0)) return { problem: "notANumber" };
    group = commas > 0 ? "," : ".";
  }
  const [wholeText = "", fraction = ""] = decimal === null ? [body] : body.split(decimal);
  if (decimal !== null && !/^\d+$/.test(fraction)) return { problem: "notANumber" };
  const whole = wholeText.replace(new RegExp(SPACES.source, "g"), " ");
  if (group === null) {
    if (!/^\d*$/.test(whole) || (whole === "" && decimal === null)) return { problem: "notANumber" };
  } else {
    const separator = group === " " ? " " : `\\${group}`;
    if (!new RegExp(`^\\d{1,3}(${separator}\\d{3})*$`).test(whole)) return { problem: "notANumber" };
  }
  // "1,234" for a price: the Swedish 1.234 cannot be one, the English 1234 might be meant.
  const alone = decimal !== null && group === null && whole.length <= 3 && whole !== "0" && whole !== "";
  if (alone && fraction.length === 3 && places < 3) return { problem: "ambiguous" };
  return { whole: whole.replace(/\D/g, ""), fraction };
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}

/** The decimals a value is shown with: money always 2, a quantity those it needs (0–3). */
function shownPlaces(value: Money, kind: NumberKind): number {
  if (NUMBER_RULES[kind].money) return NUMBER_RULES[kind].places;
  return Math.min(NUMBER_RULES.quantity.places, value.decimalPlaces());
}

/** For the screen: `1 234,50` / `−12,5` (format.ts, the locale's grouping and minus). */
export function displayNumber(value: string | null, kind: NumberKind, locale: string): string {
  if (value === null) return "";
  const decimal = new Money(value);
  return formatDecimal(decimal, shownPlaces(decimal, kind), locale);
}

/** For Excel (and the cell editor in Swedish): `1234,5`, `-12,50`: decimal comma, no grouping, hyphen-minus. */
export function copyNumber(value: string | null, kind: NumberKind): string {
  return plainNumber(value, kind, ",");
}

/** What the cell editor starts with: the value without grouping, the locale's decimal mark. */
export function editNumber(value: string | null, kind: NumberKind, locale: string): string {
  return plainNumber(value, kind, locale.startsWith("en") ? "." : ",");
}

function plainNumber(value: string | null, kind: NumberKind, mark: string): string {
  if (value === null) return "";
  const decimal = new Money(value);
  return decimal.toFixed(shownPlaces(decimal, kind)).replace(".", mark);
}
