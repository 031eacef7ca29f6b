// The schedule folder holds two areas' screens: the editor's (the `schedule` namespace)
// and the panels' (revisions and exchange, the `exchange` namespace).
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { keys, translationChecks } from "../i18n/checks";
import exchangeEn from "../i18n/exchange.en.json";
import exchangeSv from "../i18n/exchange.sv.json";
import en from "../i18n/schedule.en.json";
import sv from "../i18n/schedule.sv.json";
import { COLUMNS } from "./model/cells";
import { BINDINGS } from "./model/keyboard";
import { ENTRY_RULES } from "./model/rules";

const PANELS: ReadonlySet<string> = new Set(["SchedulePanels.tsx", "RevisionsPanel.tsx", "ExchangePanel.tsx"]);
const folder = resolve(import.meta.dirname);

describe("the schedule panels' translations", () => {
  translationChecks(exchangeSv, exchangeEn, {
    folder,
    fewestNamed: 30,
    quotedPrefixes: ["exchange:"],
    files: (name) => PANELS.has(name),
  });
});

describe("the schedule editor's translations", () => {
  translationChecks(sv, en, { folder, fewestNamed: 40, files: (name) => !PANELS.has(name) });
  it("name every column, rule and keyboard command", () => {
    const known = new Set(keys(sv));
    for (const column of COLUMNS) expect(known.has(`columns.${column.id}`), column.id).toBe(true);
    for (const rule of ENTRY_RULES) expect(known.has(`rules.${rule}`), rule).toBe(true);
    for (const binding of BINDINGS) expect(known.has(`shortcuts.commands.${binding.command}`), binding.command).toBe(true);
  });
});
