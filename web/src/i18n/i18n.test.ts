import { describe, expect, it } from "vitest";
import en from "./en.json";
import sv from "./sv.json";

function keys(node: unknown, prefix = ""): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
    keys(value, prefix ? `${prefix}.${key}` : key),
  );
}

describe("translations", () => {
  it("have the same texts in Swedish and English", () => {
    expect(keys(en).sort()).toEqual(keys(sv).sort());
  });
  it("leave no text empty", () => {
    for (const messages of [sv, en]) {
      for (const key of keys(messages)) {
        const value = key.split(".").reduce<unknown>(
          (node, part) => (node as Record<string, unknown>)[part],
          messages,
        );
        expect(typeof value === "string" && value.trim() !== "", key).toBe(true);
      }
    }
  });
});
