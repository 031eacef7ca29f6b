import { describe, expect, it } from "vitest";
import { lookup, translationChecks } from "../i18n/checks";
import en from "../i18n/account.en.json";
import sv from "../i18n/account.sv.json";
import { KNOWN_ACTIONS } from "./SecurityLogSection";

describe("the account's translations", () => {
  translationChecks(sv, en);
  it("name every security event", () => {
    for (const action of KNOWN_ACTIONS) {
      expect(typeof lookup(sv, `log.action.${action}`), action).toBe("string");
      expect(typeof lookup(en, `log.action.${action}`), action).toBe("string");
    }
  });
});
