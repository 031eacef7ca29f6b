// What every area's translation test checks (imported by tests only): Swedish and
// English hold the same keys, no text is empty, and every key a screen names is there.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";

type Messages = Record<string, unknown>;

/** Every key of a nested messages object, dotted (`orgs.title`). */
export function keys(node: unknown, prefix = ""): string[] {
  if (typeof node !== "object" || node === null) return [prefix];
  return Object.entries(node as Messages).flatMap(([key, value]) =>
    keys(value, prefix ? `${prefix}.${key}` : key),
  );
}

export function lookup(messages: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => {
    if (typeof node === "object" && node !== null) return (node as Messages)[part];
    return undefined;
  }, messages);
}

/** A text under `key`, as it is or as its plural forms (`_one`, `_other`). */
export function hasText(messages: unknown, key: string): boolean {
  return (
    typeof lookup(messages, key) === "string" ||
    (typeof lookup(messages, `${key}_one`) === "string" &&
      typeof lookup(messages, `${key}_other`) === "string")
  );
}

/**
 * The keys the .tsx files of `folder` name: `t("a.b")`, the texts of a Refusal's
 * `explain={{ code: "a.b" }}`, and `"<prefix>a.b"` strings for each of `prefixes`.
 */
function namedKeys(
  folder: string,
  prefixes: readonly string[],
  files: (name: string) => boolean,
): Set<string> {
  const named = new Set<string>();
  const key = /"([a-zA-Z]+\.[a-zA-Z0-9.]+)"/g;
  const quoted = prefixes.map((prefix) => new RegExp(`"${prefix}([a-zA-Z]+\\.[a-zA-Z0-9.]+)"`, "g"));
  for (const file of readdirSync(folder).filter((name) => name.endsWith(".tsx") && files(name))) {
    const source = readFileSync(resolve(folder, file), "utf-8");
    const explained = [...source.matchAll(/explain=\{\{([^}]*)\}\}/g)].map((m) => m[1] ?? "");
    const found = [
      ...source.matchAll(/\bt\(\s*"([a-zA-Z]+\.[a-zA-Z0-9.]+)"/g),
      ...explained.flatMap((texts) => [...texts.matchAll(key)]),
      ...quoted.flatMap((pattern) => [...source.matchAll(pattern)]),
    ];
    for (const match of found) {
      if (match[1] !== undefined) named.add(match[1]);
    }
  }
  return named;
}

/**
 * The checks of one area's texts, as tests of the calling `describe`. With `folder`,
 * every key its screens name (at least `fewestNamed` of them, so a broken pattern
 * cannot pass by finding none) must be in both languages; `quotedPrefixes` name
 * other forms a key is written in (`"exchange:"` for `"exchange:import.title"`).
 */
export function translationChecks(
  sv: Messages,
  en: Messages,
  screens?: {
    folder: string;
    fewestNamed: number;
    quotedPrefixes?: readonly string[];
    /** The screens of the area, when a folder holds more than one area's (all by default). */
    files?: (name: string) => boolean;
  },
): void {
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
  if (screens === undefined) return;
  it("hold every key the screens name", () => {
    const named = namedKeys(screens.folder, screens.quotedPrefixes ?? [], screens.files ?? (() => true));
    expect(named.size).toBeGreaterThanOrEqual(screens.fewestNamed);
    for (const key of named) {
      expect(hasText(sv, key), `sv ${key}`).toBe(true);
      expect(hasText(en, key), `en ${key}`).toBe(true);
    }
  });
}
