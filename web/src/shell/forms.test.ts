import { describe, expect, it } from "vitest";
import { problemFrom } from "../api/problem";
import { fieldError, safeNext } from "./forms";

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
  it("are the API's message for that field", () => {
    const problem = problemFrom(new Response(null, { status: 400 }), {
      code: "validation_error",
      errors: [{ field: "new_password", message: "too short" }],
    });
    expect(fieldError(problem, "new_password")).toBe("too short");
    expect(fieldError(problem, "email")).toBeUndefined();
    expect(fieldError(new Error("x"), "email")).toBeUndefined();
  });
});
