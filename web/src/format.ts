// Formatting for people: dates as 2026-12-01 14:05 (Stockholm time), numbers and money
// the Swedish way (U+00A0 between groups, U+2212 as minus). Money and quantities come
// from the API as decimal strings and stay exact: decimal.js, never a JS number.
import Decimal from "decimal.js";

/** decimal.js with room for any amount the API holds and rounding half away from zero. */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Money = Decimal;

export const TIME_ZONE = "Europe/Stockholm";
export const DEFAULT_LOCALE = "sv-SE";

/** The Intl locale for a UI language. */
export function intlLocale(language: string): string {
  return language.startsWith("en") ? "en-GB" : DEFAULT_LOCALE;
}

/** `2026-12-01 14:05` in Stockholm time (or `timeZone`), whatever the UI language. */
export function formatDateTime(value: string | Date, timeZone: string = TIME_ZONE): string {
  const parts = dateParts(value, timeZone, true);
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** `2026-12-01` in Stockholm time (or `timeZone`). */
export function formatDate(value: string | Date, timeZone: string = TIME_ZONE): string {
  const parts = dateParts(value, timeZone, false);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function dateParts(value: string | Date, timeZone: string, withTime: boolean) {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
  });
  const found: Record<string, string> = {};
  for (const part of format.formatToParts(date)) found[part.type] = part.value;
  return {
    year: found.year ?? "",
    month: found.month ?? "",
    day: found.day ?? "",
    hour: found.hour ?? "",
    minute: found.minute ?? "",
  };
}

/** A whole number, e.g. a count: `12 345` with the locale's group separator. */
export function formatInteger(value: number | bigint, locale: string = DEFAULT_LOCALE): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/**
 * An exact decimal (a quantity or an amount, as the API's string or a Decimal) with
 * `fractionDigits` decimals, rounded half away from zero: `−1 234,50` in sv-SE.
 * Grouping and signs come from Intl; the digits never pass through a JS number.
 */
export function formatDecimal(
  value: string | Decimal,
  fractionDigits = 2,
  locale: string = DEFAULT_LOCALE,
): string {
  return exactNumber(new Intl.NumberFormat(locale), value, fractionDigits, locale);
}

/** An amount of money: `1 234,50 kr` in sv-SE for SEK. */
export function formatMoney(
  value: string | Decimal,
  currency = "SEK",
  locale: string = DEFAULT_LOCALE,
): string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return exactNumber(format, value, digits, locale);
}

function exactNumber(
  format: Intl.NumberFormat,
  value: string | Decimal,
  fractionDigits: number,
  locale: string,
): string {
  const decimal = value instanceof Decimal ? new Money(value) : new Money(value.trim());
  if (!decimal.isFinite()) throw new RangeError(`not a finite decimal: ${String(value)}`);
  const fixed = decimal.abs().toFixed(fractionDigits); // "1234.50", exact and rounded
  const [whole = "0", fraction = ""] = fixed.split(".");
  const negative = decimal.isNegative() && !new Money(fixed).isZero();
  const grouped = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(
    BigInt(whole),
  );
  // The locale's pattern (sign, currency, literals) from a sample with the same shape.
  const sample = format.formatToParts(negative ? -1.5 : 1.5);
  let out = "";
  let integerDone = false;
  for (const part of sample) {
    if (part.type === "integer") {
      if (!integerDone) out += grouped;
      integerDone = true;
    } else if (part.type === "group") {
      continue;
    } else if (part.type === "decimal") {
      if (fractionDigits > 0) out += part.value;
    } else if (part.type === "fraction") {
      out += fraction;
    } else {
      out += part.value;
    }
  }
  if (fractionDigits > 0 && !sample.some((part) => part.type === "fraction")) {
    out = out.replace(grouped, `${grouped}${decimalSeparator(locale)}${fraction}`);
  }
  return out;
}

function decimalSeparator(locale: string): string {
  const part = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal");
  return part?.value ?? ",";
}

/**
 * What a person typed as a decimal (`1 234,50`, `1234.5`, `−3`) as the API's string
 * (`"1234.50"` with `fractionDigits`), or null when it is not a number.
 */
export function parseDecimalInput(text: string, fractionDigits?: number): string | null {
  const cleaned = text
    .trim()
    .replace(/[\s\u00a0\u202f]/g, "")
    .replace(/\u2212/g, "-")
    .replace(",", ".");
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(cleaned)) return null;
  const decimal = new Money(cleaned);
  return fractionDigits === undefined ? decimal.toFixed() : decimal.toFixed(fractionDigits);
}

const SIZE_UNITS = [
  [1e9, "gigabyte"],
  [1e6, "megabyte"],
  [1e3, "kilobyte"],
] as const;

/** A file's size in bytes for people: `512 B`, `340,2 kB`, `12,5 MB` (SI units, cut, not rounded up). */
export function formatFileSize(bytes: number, locale: string = DEFAULT_LOCALE): string {
  for (const [size, unit] of SIZE_UNITS) {
    if (bytes >= size) {
      const format = new Intl.NumberFormat(locale, {
        style: "unit",
        unit,
        maximumFractionDigits: 1,
      });
      return format.format(Math.floor((bytes / size) * 10) / 10);
    }
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: "byte" }).format(bytes);
}
