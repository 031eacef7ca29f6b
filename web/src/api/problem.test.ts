import { describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import sv from "../i18n/sv.json";
import {
  ApiProblem,
  FIELD_MESSAGES,
  MESSAGE_CODES,
  fieldMessage,
  parseRetryAfter,
  problemFrom,
  problemMessage,
} from "./problem";

function answer(status: number, body: unknown, headers: Record<string, string> = {}): ApiProblem {
  return problemFrom(new Response(null, { status, headers }), body);
}

function lookup(messages: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => {
    if (typeof node === "object" && node !== null) return (node as Record<string, unknown>)[part];
    return undefined;
  }, messages);
}

describe("problem documents", () => {
  it("keeps status, code, detail and field errors", () => {
    const problem = answer(400, {
      type: "about:blank",
      title: "Bad Request",
      status: 400,
      code: "validation_error",
      detail: "The body is not valid.",
      errors: [{ field: "email", code: "invalid_format", message: "not an e-mail address" }],
    });
    expect(problem).toBeInstanceOf(ApiProblem);
    expect(problem.status).toBe(400);
    expect(problem.code).toBe("validation_error");
    expect(problem.detail).toBe("The body is not valid.");
    expect(problem.fieldError("email")).toEqual({
      field: "email",
      code: "invalid_format",
      message: "not an e-mail address",
      limit: null,
    });
    expect(problem.fieldError("password")).toBeUndefined();
  });
  it("reads Retry-After as seconds or as a date", () => {
    expect(answer(429, { code: "rate_limited" }, { "Retry-After": "30" }).retryAfter).toBe(30);
    const now = new Date("2026-12-01T12:00:00Z");
    expect(parseRetryAfter("Tue, 01 Dec 2026 12:02:00 GMT", now)).toBe(120);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
  });
  it("falls back on the status when the body is not a problem", () => {
    expect(answer(401, "<html>").code).toBe("unauthenticated");
    expect(answer(502, null).code).toBe("internal_error");
    expect(answer(400, { code: "made_up" }).code).toBe("bad_request");
  });
});

describe("problem messages", () => {
  it("says when to try again after a rate limit", () => {
    const problem = answer(429, { code: "rate_limited" }, { "Retry-After": "42" });
    expect(problemMessage(problem)).toEqual({
      key: "problem.rate_limited_seconds",
      values: { count: 42 },
    });
    const later = answer(429, { code: "rate_limited" }, { "Retry-After": "600" });
    expect(problemMessage(later)).toEqual({
      key: "problem.rate_limited_minutes",
      values: { count: 10 },
    });
    expect(problemMessage(answer(429, { code: "rate_limited" })).key).toBe("problem.rate_limited");
  });
  it("counts the attempts left for a wrong code", () => {
    const problem = answer(400, { code: "invalid_code", attempts_left: 2 });
    expect(problemMessage(problem)).toEqual({
      key: "problem.invalid_code_attempts",
      values: { count: 2 },
    });
  });
  it("maps codes to their own message, the rest to a generic one", () => {
    expect(problemMessage(answer(401, { code: "invalid_credentials" })).key).toBe(
      "problem.invalid_credentials",
    );
    expect(problemMessage(answer(501, { code: "not_implemented" })).key).toBe("problem.generic");
    expect(problemMessage(new Error("boom")).key).toBe("problem.generic");
  });
  it("says why a field was refused by its code, with the limit", () => {
    const problem = answer(400, {
      code: "validation_error",
      errors: [
        { field: "name", code: "too_long", message: "String should have at most 200 characters", limit: "200" },
        { field: "label", code: "a_code_from_the_future", message: "odd" },
      ],
    });
    const [tooLong, odd] = problem.fieldErrors;
    if (tooLong === undefined || odd === undefined) throw new Error("two field errors expected");
    expect(fieldMessage(tooLong)).toEqual({
      key: "fieldProblem.too_long",
      values: { limit: "200", message: "String should have at most 200 characters" },
    });
    // A code this client does not know yet reads as `invalid`: the API's own words.
    expect(fieldMessage(odd)).toEqual({
      key: "fieldProblem.invalid",
      values: { limit: "", message: "odd" },
    });
  });
  it("has every message in Swedish and English", () => {
    const keys = [
      ...Object.values(FIELD_MESSAGES),
      "problem.generic",
      "problem.invalid_code_attempts_one",
      "problem.invalid_code_attempts_other",
      ...MESSAGE_CODES.map((code) => `problem.${code}`),
      ...["rate_limited", "unavailable"].flatMap((code) => [
        `problem.${code}_seconds_one`,
        `problem.${code}_seconds_other`,
        `problem.${code}_minutes_one`,
        `problem.${code}_minutes_other`,
      ]),
    ];
    for (const key of keys) {
      expect(typeof lookup(sv, key), `sv ${key}`).toBe("string");
      expect(typeof lookup(en, key), `en ${key}`).toBe("string");
    }
  });
});
