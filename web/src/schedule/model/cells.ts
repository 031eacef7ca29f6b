// The grid's columns and what a cell holds: its value for the screen, its text for
// Excel, and what a typed or pasted text makes of it (the same reading for both).
import { amountOf, moneyString } from "./money";
import { copyNumber, parseNumber, type NumberKind, type NumberProblem } from "./numbers";
import type { ContentField, RowContent } from "./operations";
import { ENTRY_RULES, storedAmount } from "./rules";
import type { EntryRule, Row } from "./tree";

export type ColumnId =
  | "code"
  | "title"
  | "unit"
  | "quantity"
  | "unit_price"
  | "amount"
  | "cost_bearer"
  | "entry_rule"
  | "regulation"
  | "note";

type CellType = "text" | "number" | "unit" | "rule" | "regulation";

export interface ColumnSpec {
  id: ColumnId;
  type: CellType;
  numberKind?: NumberKind;
  /** The person may hide it (Kostnadsbärare, Regel, R/OR, Anm.). */
  optional: boolean;
  /** The API's limit (quantities/schemas.py RowFields). */
  maxLength?: number;
  /** Keeps line breaks (the API's multiline fields); else a pasted break becomes a space. */
  multiline?: boolean;
}

/** Kod · Benämning · Enhet · Mängd · À-pris · Belopp, then the optional ones. */
export const COLUMNS: readonly ColumnSpec[] = [
  { id: "code", type: "text", optional: false, maxLength: 50 },
  { id: "title", type: "text", optional: false, maxLength: 500 },
  { id: "unit", type: "unit", optional: false },
  { id: "quantity", type: "number", numberKind: "quantity", optional: false },
  { id: "unit_price", type: "number", numberKind: "price", optional: false },
  { id: "amount", type: "number", numberKind: "amount", optional: false },
  { id: "cost_bearer", type: "text", optional: true, maxLength: 50 },
  { id: "entry_rule", type: "rule", optional: true },
  { id: "regulation", type: "regulation", optional: true },
  { id: "note", type: "text", optional: true, maxLength: 2000, multiline: true },
];

export const OPTIONAL_COLUMNS: readonly ColumnId[] = COLUMNS.filter((c) => c.optional).map((c) => c.id);

export function columnSpec(id: ColumnId): ColumnSpec {
  return COLUMNS.find((column) => column.id === id) ?? (COLUMNS[0] as ColumnSpec);
}

/** How MER writes a row included elsewhere (fyrstreckad). */
export const FOUR_DASHES = "----";
const DASHES = /^[-\u2010-\u2015\u2212]{1,4}$/;

export interface UnitChoice {
  code: string;
  symbol: string;
}

/** What reading and writing cells needs from the screen: units and the rules' names. */
export interface CellContext {
  units: readonly UnitChoice[];
  /** The entry rules' names in every language, lower-case, besides their codes and `----`. */
  ruleNames: ReadonlyMap<string, EntryRule>;
  /** A rule as the cell shows it (`----` for included elsewhere, "" for normal). */
  ruleText: (rule: EntryRule) => string;
}

/** Whether a person can change the cell (a Belopp only on a lump sum). */
export function isEditable(row: Row, column: ColumnId): boolean {
  const numbers = column === "unit" || column === "quantity" || column === "unit_price" || column === "entry_rule";
  if (row.kind !== "item") return !numbers && column !== "amount";
  if (column === "amount") return row.entry_rule === "lump_sum";
  if (column === "quantity") return row.entry_rule !== "lump_sum" && row.entry_rule !== "rate_only";
  if (column === "unit_price") return row.entry_rule !== "lump_sum" && row.entry_rule !== "included_elsewhere";
  return true;
}

/** The cell's value as the API writes it: Belopp is the amount worked out, exactly. */
export function cellValue(row: Row, column: ColumnId): string | null {
  if (column === "amount") {
    const amount = amountOf(row);
    return amount === null ? null : moneyString(amount);
  }
  return row[column];
}

// A text starting with one of these becomes a formula in a spreadsheet (OWASP CSV
// injection): written out with a leading apostrophe, as the server's export does
// (quantities/exchange.py), and the apostrophe read off again.
const ESCAPED = /^'+[=+\-@\t\r\0]/;
const TRIGGERS = /^[=+\-@\t\r\0]/;

export function escapeFormula(text: string): string {
  return ESCAPED.test(text) || TRIGGERS.test(text) ? `'${text}` : text;
}

export function unescapeFormula(text: string): string {
  return ESCAPED.test(text) ? text.slice(1) : text;
}

/** The cell as Excel should read it: numbers with a decimal comma, texts inert. */
export function copyText(row: Row, column: ColumnId, context: CellContext): string {
  const spec = columnSpec(column);
  const value = cellValue(row, column);
  if (spec.type === "number") return copyNumber(value, spec.numberKind ?? "amount");
  if (spec.type === "rule") return context.ruleText(row.entry_rule);
  return value === null ? "" : escapeFormula(value);
}

export type CellProblem =
  | NumberProblem
  | "titleRequired"
  | "tooLong"
  | "unknownUnit"
  | "unknownRule"
  | "unknownRegulation"
  | "notOnHeading";

export type CellReading = { ok: true; content: RowContent } | { ok: false; problem: CellProblem };

/**
 * What a typed or pasted text makes of a cell of `row`: the fields it sets (none when
 * the cell is one the row does not keep, such as a worked-out Belopp), or why not.
 */
export function readCell(text: string, row: Row, column: ColumnId, context: CellContext): CellReading {
  const spec = columnSpec(column);
  const trimmed = text.trim();
  if (column === "amount" && row.entry_rule !== "lump_sum") return { ok: true, content: {} };
  if (row.kind !== "item" && (spec.type === "number" || spec.type === "unit" || spec.type === "rule")) {
    return trimmed === "" || (spec.type === "rule" && readRule(trimmed, context) === "normal")
      ? { ok: true, content: {} }
      : { ok: false, problem: "notOnHeading" };
  }
  const field: ContentField = column;
  switch (spec.type) {
    case "number": {
      const parsed = parseNumber(text, spec.numberKind ?? "amount");
      return parsed.ok ? { ok: true, content: { [field]: parsed.value } } : { ok: false, problem: parsed.problem };
    }
    case "unit": {
      if (trimmed === "") return { ok: true, content: { unit: null } };
      const wanted = trimmed.toLowerCase();
      const unit = context.units.find((u) => u.code.toLowerCase() === wanted || u.symbol.toLowerCase() === wanted);
      return unit === undefined ? { ok: false, problem: "unknownUnit" } : { ok: true, content: { unit: unit.code } };
    }
    case "rule": {
      const rule = readRule(trimmed, context);
      return rule === null ? { ok: false, problem: "unknownRule" } : { ok: true, content: { entry_rule: rule } };
    }
    case "regulation": {
      const upper = trimmed.toUpperCase();
      if (upper === "") return { ok: true, content: { regulation: null } };
      return upper === "R" || upper === "OR"
        ? { ok: true, content: { regulation: upper } }
        : { ok: false, problem: "unknownRegulation" };
    }
    case "text": {
      // An Excel cell's line breaks (Alt+Enter) and tabs: kept in Anm., a space elsewhere,
      // where the API refuses control characters.
      const lines = text.replace(/\r\n?/g, "\n");
      const value = unescapeFormula(spec.multiline ? lines : lines.replace(/[\n\t]+/g, " "));
      if (column === "title" && value.trim() === "") return { ok: false, problem: "titleRequired" };
      if (spec.maxLength !== undefined && value.length > spec.maxLength) return { ok: false, problem: "tooLong" };
      return { ok: true, content: { [field]: value === "" ? null : value } };
    }
  }
}

function readRule(text: string, context: CellContext): EntryRule | null {
  if (text === "") return "normal";
  if (DASHES.test(text)) return "included_elsewhere";
  const named = context.ruleNames.get(text.toLowerCase());
  if (named !== undefined) return named;
  return ENTRY_RULES.find((rule) => rule === text.toLowerCase()) ?? null;
}

/** The fields of a row as a cell edit compares them (a lump sum's amount is its own). */
export function storedValue(row: Row, field: ContentField): string | null {
  return field === "amount" ? storedAmount(row) : row[field];
}
