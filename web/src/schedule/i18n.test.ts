import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import en from "../i18n/exchange.en.json";
import sv from "../i18n/exchange.sv.json";

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

/** A key the screens name, as it is or as its plural forms (`_one`, `_other`). */
function has(messages: unknown, key: string): boolean {
  return (
    typeof lookup(messages, key) === "string" ||
    (typeof lookup(messages, `${key}_one`) === "string" &&
      typeof lookup(messages, `${key}_other`) === "string")
  );
}

describe("the schedule panels' translations", () => {
  it("have the same texts in Swedish and English", () => {
    expect(keys(en).sort()).toEqual(keys(sv).sort());
  });
  it("leave no text empty", () => {
    for (const messages of [sv, en]) {
      for (const key of keys(messages)) {
        const value = lookup(messages, key);
        expect(typeof value === "string" && value.trim() !== "", key).toBe(true);
      }
    }
  });
  it("hold every key the panels name", () => {
    const folder = resolve(import.meta.dirname);
    const named = new Set<string>();
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".tsx"))) {
      const source = readFileSync(resolve(folder, file), "utf-8");
      for (const match of source.matchAll(/\bt\(\s*"([a-zA-Z]+\.[a-zA-Z0-9.]+)"/g)) {
        if (match[1] !== undefined) named.add(match[1]);
      }
      for (const match of source.matchAll(/"exchange:([a-zA-Z]+\.[a-zA-Z0-9.]+)"/g)) {
        if (match[1] !== undefined) named.add(match[1]);
      }
    }
    expect(named.size).toBeGreaterThan(30);
    for (const key of named) {
      expect(has(sv, key), `sv ${key}`).toBe(true);
      expect(has(en, key), `en ${key}`).toBe(true);
    }
  });
});
