import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import en from "../i18n/schedule.en.json";
import sv from "../i18n/schedule.sv.json";
import { BINDINGS } from "./model/keyboard";
import { COLUMNS } from "./model/cells";
import { ENTRY_RULES } from "./model/rules";

function keys(node: unknown, prefix = ""): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
    keys(value, prefix ? `${prefix}.${key}` : key),
  );
}

const plain = (key: string) => key.replace(/_(one|other)$/, "");

describe("the schedule editor's translations", () => {
  it("have the same texts in Swedish and English, none empty", () => {
    expect(keys(en).sort()).toEqual(keys(sv).sort());
    for (const messages of [sv, en]) {
      for (const key of keys(messages)) {
        const value = key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], messages);
        expect(typeof value === "string" && value.trim() !== "", key).toBe(true);
      }
    }
  });
  it("name every column, rule and keyboard command", () => {
    const known = new Set(keys(sv).map(plain));
    for (const column of COLUMNS) expect(known.has(`columns.${column.id}`), column.id).toBe(true);
    for (const rule of ENTRY_RULES) expect(known.has(`rules.${rule}`), rule).toBe(true);
    for (const binding of BINDINGS) expect(known.has(`shortcuts.commands.${binding.command}`), binding.command).toBe(true);
  });
  it("hold every key the editor's screens name", () => {
    const known = new Set(keys(sv).map(plain));
    const folder = resolve(import.meta.dirname);
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".tsx") || name.endsWith(".ts"))) {
      const source = readFileSync(resolve(folder, file), "utf-8");
      for (const match of source.matchAll(/\bt\(\s*"([a-zA-Z]+\.[a-zA-Z0-9.]+)"/g)) {
        expect(known.has(match[1] ?? ""), `${file}: ${match[1] ?? ""}`).toBe(true);
      }
    }
  });
});
