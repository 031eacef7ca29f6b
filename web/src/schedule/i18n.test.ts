import { resolve } from "node:path";
import { describe } from "vitest";
import { translationChecks } from "../i18n/checks";
import en from "../i18n/exchange.en.json";
import sv from "../i18n/exchange.sv.json";

describe("the schedule panels' translations", () => {
  translationChecks(sv, en, {
    folder: resolve(import.meta.dirname),
    fewestNamed: 30,
    quotedPrefixes: ["exchange:"],
  });
});
