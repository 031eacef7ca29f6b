import { resolve } from "node:path";
import { describe } from "vitest";
import { translationChecks } from "../i18n/checks";
import en from "../i18n/projects.en.json";
import sv from "../i18n/projects.sv.json";

describe("the projects area's translations", () => {
  translationChecks(sv, en, { folder: resolve(import.meta.dirname), fewestNamed: 50 });
});
