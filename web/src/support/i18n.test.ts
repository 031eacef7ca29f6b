import { describe, expect, it } from "vitest";
import { lookup, translationChecks } from "../i18n/checks";
import en from "../i18n/en.json";
import supportEn from "../i18n/support.en.json";
import supportSv from "../i18n/support.sv.json";
import sv from "../i18n/sv.json";
import { CATEGORIES } from "./HelpPanel";

describe("support and administration texts", () => {
  translationChecks(supportSv, supportEn);
  it("hold only the areas' own top-level keys, none of the app's", () => {
    expect(Object.keys(supportSv).sort()).toEqual(["admin", "support"]);
    for (const key of Object.keys(supportSv)) {
      expect(Object.keys(sv)).not.toContain(key);
      expect(Object.keys(en)).not.toContain(key);
    }
  });
  it("name every ticket category", () => {
    for (const category of CATEGORIES) {
      expect(typeof lookup(supportSv, `support.form.categories.${category}`)).toBe("string");
      expect(typeof lookup(supportEn, `support.form.categories.${category}`)).toBe("string");
    }
  });
});
