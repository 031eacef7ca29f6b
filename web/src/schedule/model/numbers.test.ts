import { describe, expect, it } from "vitest";
import { copyNumber, displayNumber, editNumber, parseNumber, type NumberKind } from "./numbers";

const NBSP = "\u00a0";
const NNBSP = "\u202f";
const MINUS = "\u2212";

function read(text: string, kind: NumberKind = "price"): string | null {
  const parsed = parseNumber(text, kind);
  return parsed.ok ? parsed.value : `! ${parsed.problem}`;
}

describe("reading numbers", () => {
  it.each([
    ["1 234,50", "1234.50"],
    [`1${NBSP}234,50`, "1234.50"],
    [`1${NNBSP}234${NNBSP}567,5`, "1234567.50"],
    ["1234.5", "1234.50"],
    ["1234,5", "1234.50"],
    ["1,234.50", "1234.50"],
    ["1.234,50", "1234.50"],
    ["1,234,567", "1234567.00"],
    ["1.234.567", "1234567.00"],
    ["  42 ", "42.00"],
    [",5", "0.50"],
    ["+7", "7.00"],
    ["007,10", "7.10"],
    ["185,00 kr", "185.00"],
    ["185 SEK", "185.00"],
    ["12,5000", "12.50"], // zeros beyond the öre lose nothing
  ])("reads %j as %s", (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it("reads negative amounts with a hyphen or U+2212", () => {
    expect(read(`${MINUS}12`, "amount")).toBe("-12.00");
    expect(read(`${MINUS}1 250,55`, "amount")).toBe("-1250.55");
    expect(read("-0", "amount")).toBe("0.00");
  });

  it("keeps three decimals of a quantity, and reads a lone comma as the decimal mark", () => {
    expect(read("412,125", "quantity")).toBe("412.125");
    expect(read("1,234", "quantity")).toBe("1.234");
    expect(read("1.5", "quantity")).toBe("1.500");
  });

  it("leaves an empty cell empty (not 0)", () => {
    expect(read("")).toBeNull();
    expect(read("   ")).toBeNull();
  });

  it.each([
    ["12-", "notANumber"],
    ["(12)", "notANumber"],
    ["1e5", "notANumber"],
    ["12 34", "notANumber"],
    ["1 2345", "notANumber"],
    ["1,23.45", "notANumber"],
    ["1.234.5,6,7", "notANumber"],
    ["1 234.567,5", "notANumber"],
    ["12,", "notANumber"],
    ["abc", "notANumber"],
    ["12 kr", "12.00"],
    ["1,234", "ambiguous"],
    ["1.230", "ambiguous"],
    ["0,125", "tooManyDecimals"],
    ["12,345678", "tooManyDecimals"],
    ["-3", "negative"],
    [`${MINUS}3`, "negative"],
    ["99999999999999", "tooLarge"],
    ["NaN", "notANumber"],
    ["Infinity", "notANumber"],
  ])("refuses or reads %j: %s", (text, expected) => {
    const value = read(text);
    expect(value === null ? null : value.replace("! ", "")).toBe(expected);
  });

  it("holds a quantity to 15 digits in all", () => {
    expect(read("999999999999,999", "quantity")).toBe("999999999999.999");
    expect(read("9999999999999", "quantity")).toBe("! tooLarge");
    expect(read("1,2345", "quantity")).toBe("! tooManyDecimals");
  });

  it("refuses kr on a quantity", () => {
    expect(read("12 kr", "quantity")).toBe("! notANumber");
  });
});

describe("writing numbers", () => {
  it("shows money with two decimals and Swedish grouping and minus", () => {
    expect(displayNumber("1234.5", "price", "sv-SE")).toBe(`1${NBSP}234,50`);
    expect(displayNumber("-1250.55", "amount", "sv-SE")).toBe(`${MINUS}1${NBSP}250,55`);
    expect(displayNumber(null, "price", "sv-SE")).toBe("");
  });
  it("shows a quantity with the decimals it needs", () => {
    expect(displayNumber("412.500", "quantity", "sv-SE")).toBe("412,5");
    expect(displayNumber("3.000", "quantity", "sv-SE")).toBe("3");
    expect(displayNumber("1234.125", "quantity", "en-GB")).toBe("1,234.125");
  });
  it("copies as Excel reads it: decimal comma, no grouping, hyphen-minus", () => {
    expect(copyNumber("1234567.50", "price")).toBe("1234567,50");
    expect(copyNumber("-1250.55", "amount")).toBe("-1250,55");
    expect(copyNumber("412.500", "quantity")).toBe("412,5");
    expect(copyNumber(null, "quantity")).toBe("");
  });
  it("starts the cell editor with the locale's decimal mark", () => {
    expect(editNumber("1234.50", "price", "sv-SE")).toBe("1234,50");
    expect(editNumber("1234.50", "price", "en-GB")).toBe("1234.50");
  });
  it("reads back what it writes", () => {
    for (const value of ["0.01", "1234567.89", "-0.50"]) {
      expect(read(copyNumber(value, "amount"), "amount")).toBe(value);
      expect(read(displayNumber(value, "amount", "sv-SE"), "amount")).toBe(value);
      expect(read(displayNumber(value, "amount", "en-GB"), "amount")).toBe(value);
    }
  });
});
