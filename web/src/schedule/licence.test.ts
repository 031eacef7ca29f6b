// AG Grid Community only: no Enterprise package in the dependencies, the lock file or
// any import (the ESLint rule refuses the import too; this also catches a dependency).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const WEB = resolve(import.meta.dirname, "../..");
const ENTERPRISE = /ag-grid-enterprise|@ag-grid-enterprise\//;

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

describe("the grid's licence", () => {
  it("is AG Grid Community at exact versions, never Enterprise", () => {
    const manifest = JSON.parse(readFileSync(join(WEB, "package.json"), "utf-8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const all = { ...manifest.dependencies, ...manifest.devDependencies };
    expect(Object.keys(all).filter((name) => ENTERPRISE.test(name))).toEqual([]);
    expect(all["ag-grid-community"]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(all["ag-grid-react"]).toBe(all["ag-grid-community"]);
    expect(readFileSync(join(WEB, "package-lock.json"), "utf-8")).not.toMatch(ENTERPRISE);
  });
  it("is imported nowhere as Enterprise", () => {
    const offending = sources(join(WEB, "src"))
      .filter((path) => !path.endsWith("licence.test.ts"))
      .filter((path) => ENTERPRISE.test(readFileSync(path, "utf-8")));
    expect(offending).toEqual([]);
  });
});
