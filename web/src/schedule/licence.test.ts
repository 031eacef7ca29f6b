// AG Grid Community (MIT) only: every AG Grid package the app depends on, locks or
// imports is one of the Community ones (the ESLint rule refuses other imports too; this
// also catches a dependency that no file imports).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const WEB = resolve(import.meta.dirname, "../..");
const COMMUNITY = new Set(["ag-grid-community", "ag-grid-react", "@ag-grid-community/locale"]);
/** A package name of AG Grid's, in a manifest key, a lock file path or an import. */
const AG_GRID = /(?:^|["/])(@ag-grid-[a-z-]+\/[a-z-]+|ag-grid-[a-z-]+)(?=["/])/g;

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

function packagesNamed(text: string): Set<string> {
  return new Set([...text.matchAll(AG_GRID)].map((match) => match[1] ?? ""));
}

function outsideCommunity(names: Iterable<string>): string[] {
  return [...names].filter((name) => !COMMUNITY.has(name)).sort();
}

describe("the grid's licence", () => {
  it("is AG Grid Community at exact versions, in the manifest and the lock file", () => {
    const text = readFileSync(join(WEB, "package.json"), "utf-8");
    const manifest = JSON.parse(text) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const all = { ...manifest.dependencies, ...manifest.devDependencies };
    expect(packagesNamed(text).size).toBeGreaterThanOrEqual(2);
    expect(outsideCommunity(packagesNamed(text))).toEqual([]);
    expect(all["ag-grid-community"]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(all["ag-grid-react"]).toBe(all["ag-grid-community"]);
    expect(outsideCommunity(packagesNamed(readFileSync(join(WEB, "package-lock.json"), "utf-8")))).toEqual([]);
  });
  it("is imported only from the Community packages", () => {
    const imported = sources(join(WEB, "src"))
      .filter((path) => !path.endsWith("licence.test.ts")) // names others to test the check
      .flatMap((path) =>
      [...packagesNamed(readFileSync(path, "utf-8"))].map((name) => `${name} in ${path}`),
    );
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((found) => !COMMUNITY.has(found.split(" in ")[0] ?? ""))).toEqual([]);
  });
  it("tells a package outside Community from the Community ones", () => {
    expect(outsideCommunity(packagesNamed('import { X } from "ag-grid-charts";'))).toEqual(["ag-grid-charts"]);
    expect(outsideCommunity(packagesNamed('"node_modules/@ag-grid-community/locale"'))).toEqual([]);
  });
});
