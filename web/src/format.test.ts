import { describe, expect, it } from "vitest";
import {
  Money,
  formatDate,
  formatDateTime,
  formatDecimal,
  formatFileSize,
  formatInteger,
  formatMoney,
  parseDecimalInput,
} from "./format";

const NBSP = "\u00a0";
const MINUS = "\u2212";

describe("dates", () => {
  it("shows Stockholm time as 2026-12-01 14:05", () => {
    expect(formatDateTime("2026-12-01T13:05:00Z")).toBe("2026-12-01 14:05");
  });
  it("follows summer time", () => {
    expect(formatDateTime("2026-07-01T13:05:59Z")).toBe("2026-07-01 15:05");
  });
  it("uses 00 for midnight, not 24", () => {
    expect(formatDateTime("2026-12-31T23:00:00Z")).toBe("2027-01-01 00:00");
  });
  it("formats a date alone", () => {
    expect(formatDate(new Date("2026-12-01T22:59:00Z"))).toBe("2026-12-01");
  });
  it("refuses what is not a date", () => {
    expect(() => formatDateTime("igår")).toThrow(RangeError);
  });
});

describe("Swedish numbers", () => {
  it("groups thousands with a no-break space", () => {
    expect(formatDecimal("1234567.5")).toBe(`1${NBSP}234${NBSP}567,50`);
    expect(formatDecimal("1234567.5")).not.toMatch(/ /);
  });
  it("writes minus as U+2212", () => {
    expect(formatDecimal("-1234.5")).toBe(`${MINUS}1${NBSP}234,50`);
  });
  it("keeps every digit of a large amount exactly", () => {
    expect(formatDecimal("999999999999.99")).toBe(
      `999${NBSP}999${NBSP}999${NBSP}999,99`,
    );
    expect(formatDecimal("0.1", 2)).toBe("0,10");
  });
  it("rounds half away from zero", () => {
    expect(formatDecimal("2.345")).toBe("2,35");
    expect(formatDecimal("-2.345")).toBe(`${MINUS}2,35`);
    expect(formatDecimal("1.005")).toBe("1,01");
  });
  it("shows no minus for a value that rounds to zero", () => {
    expect(formatDecimal("-0.001")).toBe("0,00");
  });
  it("formats quantities with three decimals and counts without", () => {
    expect(formatDecimal(new Money("12.5"), 3)).toBe("12,500");
    expect(formatDecimal("12", 0)).toBe("12");
    expect(formatInteger(12345)).toBe(`12${NBSP}345`);
  });
  it("formats money in kronor", () => {
    expect(formatMoney("1234.5")).toBe(`1${NBSP}234,50${NBSP}kr`);
    expect(formatMoney("-1234.5")).toBe(`${MINUS}1${NBSP}234,50${NBSP}kr`);
  });
  it("follows the English locale when asked", () => {
    expect(formatDecimal("-1234.5", 2, "en-GB")).toBe("-1,234.50");
  });
});

describe("reading numbers people type", () => {
  it("takes Swedish and plain forms", () => {
    expect(parseDecimalInput(`1${NBSP}234,5`, 2)).toBe("1234.50");
    expect(parseDecimalInput("1 234,50")).toBe("1234.5");
    expect(parseDecimalInput(`${MINUS}3`)).toBe("-3");
    expect(parseDecimalInput("0.1", 2)).toBe("0.10");
  });
  it("refuses what is not a number", () => {
    expect(parseDecimalInput("12a")).toBeNull();
    expect(parseDecimalInput("")).toBeNull();
    expect(parseDecimalInput("1e5")).toBeNull();
  });
});

describe("file sizes", () => {
  it("say bytes, kB, MB or GB with one decimal, cut rather than rounded up", () => {
    expect(formatFileSize(512)).toBe("512 B");
    expect(formatFileSize(340_299)).toBe("340,2 kB");
    expect(formatFileSize(999_999)).toBe("999,9 kB");
    expect(formatFileSize(12_500_000)).toBe("12,5 MB");
    expect(formatFileSize(2_000_000_000)).toBe("2 GB");
    expect(formatFileSize(12_500_000, "en-GB")).toBe("12.5 MB");
  });
});
