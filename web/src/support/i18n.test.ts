import { describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import supportEn from "../i18n/support.en.json";
import supportSv from "../i18n/support.sv.json";
import sv from "../i18n/sv.json";
import { CATEGORIES } from "./HelpPanel";

function keys(node: unknown, prefix = ""): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
    keys(value, prefix ? `${prefix}.${key}` : key),
  );
}

function lookup(messages: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => {
    if (typeof node === "object" && node !== null) return (node as Record<string, unknown>)[part];
    return undefined;
  }, messages);
}

describe("support and administration texts", () => {
  it("have the same keys in Swedish and English", () => {
    expect(keys(supportEn).sort()).toEqual(keys(supportSv).sort());
  });
  it("leave no text empty", () => {
    for (const messages of [supportSv, supportEn]) {
      for (const key of keys(messages)) {
        const value = lookup(messages, key);
        expect(typeof value === "string" && value.trim() !== "", key).toBe(true);
      }
    }
  });
  it("hold only the areas' own top-level keys, none of the app's", () => {
    expect(Object.keys(supportSv).sort()).toEqual(["admin", "support"]);
    for (const key of Object.keys(supportSv)) {
      expect(Object.keys(sv)).not.toContain(key);
      expect(Object.keys(en)).not.toContain(key);
    }
  });
  it("name every ticket category", () => {
    for (const category of CATEGORIES) {
      expect(typeof lookup(supportSv, `support.form.categories.${category}`)).toBe("string");
      expect(typeof lookup(supportEn, `support.form.categories.${category}`)).toBe("string");
    }
  });
});
