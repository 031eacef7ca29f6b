import { describe } from "vitest";
import { translationChecks } from "./checks";
import en from "./en.json";
import sv from "./sv.json";

describe("translations", () => {
  translationChecks(sv, en);
});
