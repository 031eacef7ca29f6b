import i18n from "i18next";
import { beforeAll, describe, expect, it } from "vitest";
import { problemFrom } from "../api/problem";
import en from "../i18n/en.json";
import sv from "../i18n/sv.json";
import { fieldError, safeNext, withQuery } from "./forms";

beforeAll(async () => {
  await i18n.init({
    resources: { sv: { translation: sv }, en: { translation: en } },
    lng: "sv",
    interpolation: { escapeValue: false },
  });
});

describe("where sign-in leads", () => {
  it("returns to a path of this site", () => {
    expect(safeNext("/projects/123?view=rows#top")).toBe("/projects/123?view=rows#top");
  });
  it("never leaves the site", () => {
    for (const next of ["//evil.example", "/\\evil.example", "https://evil.example", "", null]) {
      expect(safeNext(next)).toBe("/projects");
    }
  });
});

describe("field errors", () => {
  const problem = problemFrom(new Response(null, { status: 400 }), {
    code: "validation_error",
    errors: [
      { field: "new_password", code: "too_short", message: "Use 8 to 128 characters", limit: "8" },
      { field: "label", code: "invalid", message: "A row cannot move into itself." },
    ],
  });
  it("say why in the language on screen, with the limit", async () => {
    await i18n.changeLanguage("sv");
    expect(fieldError(problem, "new_password")).toBe("Minst 8 tecken.");
    expect(fieldError(problem, "label")).toBe("Värdet godtas inte.");
    await i18n.changeLanguage("en");
    expect(fieldError(problem, "new_password")).toBe("At least 8 characters.");
    // English has the API's own words where no code says more.
    expect(fieldError(problem, "label")).toBe("A row cannot move into itself.");
  });
  it("are only for the field named", () => {
    expect(fieldError(problem, "email")).toBeUndefined();
    expect(fieldError(new Error("x"), "email")).toBeUndefined();
  });
});

describe("links between the sign-in screens", () => {
  it("carry what is given and leave out the rest", () => {
    expect(withQuery("/sign-up", { next: "/invite", email: "b@example.se", sent: null })).toBe(
      "/sign-up?next=%2Finvite&email=b%40example.se",
    );
    expect(withQuery("/sign-in", { next: null })).toBe("/sign-in");
  });
});
