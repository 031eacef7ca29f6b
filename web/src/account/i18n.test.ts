import { describe, expect, it } from "vitest";
import en from "../i18n/account.en.json";
import sv from "../i18n/account.sv.json";
import { KNOWN_ACTIONS } from "./SecurityLogSection";

function keys(node: unknown, prefix = ""): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
    keys(value, prefix ? `${prefix}.${key}` : key),
  );
}

function text(messages: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>(
    (node, part) => (node as Record<string, unknown> | undefined)?.[part],
    messages,
  );
}

describe("the account's translations", () => {
  it("have the same texts in Swedish and English", () => {
    expect(keys(en).sort()).toEqual(keys(sv).sort());
  });
  it("leave no text empty", () => {
    for (const messages of [sv, en]) {
      for (const key of keys(messages)) {
        const value = text(messages, key);
        expect(typeof value === "string" && value.trim() !== "", key).toBe(true);
      }
    }
  });
  it("name every security event", () => {
    for (const action of KNOWN_ACTIONS) {
      expect(typeof text(sv, `log.action.${action}`), action).toBe("string");
      expect(typeof text(en, `log.action.${action}`), action).toBe("string");
    }
  });
});
