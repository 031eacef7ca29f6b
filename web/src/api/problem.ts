// The API's refusals (application/problem+json) as one typed error, and what to tell
// the person about each: an i18n key with its values (src/i18n/*.json, `problem.*`).
import type { components } from "./schema";

export type ProblemBody = components["schemas"]["Problem"];
/** A problem's stable code, or `network_error` when no answer came at all. */
export type ProblemCode = ProblemBody["code"] | "network_error";

type FieldErrorBody = NonNullable<ProblemBody["errors"]>[number];
/** Why the API refused a field: stable, for a message in the person's language. */
export type FieldCode = FieldErrorBody["code"];

export interface FieldError {
  field: string;
  code: FieldCode;
  /** The API's words, in English. */
  message: string;
  /** The limit a too_short, too_long, too_small or too_large value broke. */
  limit: string | null;
}

const CODES: ReadonlySet<string> = new Set<ProblemCode>([
  "account_disabled",
  "challenge_expired",
  "conflict",
  "csrf_failed",
  "email_not_verified",
  "forbidden",
  "internal_error",
  "invalid_code",
  "invalid_credentials",
  "method_not_allowed",
  "mfa_required",
  "not_found",
  "payload_too_large",
  "precondition_failed",
  "precondition_required",
  "rate_limited",
  "totp_required",
  "unauthenticated",
  "unavailable",
  "unsupported_media_type",
  "validation_error",
  "bad_request",
  "request_uri_too_long",
  "request_header_fields_too_large",
  "not_implemented",
  "http_version_not_supported",
  "network_error",
]);

/** The mark the step-up middleware (api/client.ts) puts on a refusal whose dialog the
 * person cancelled; no server sends it. */
export const STEP_UP_DECLINED = "X-Casai-Step-Up-Declined";

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
  readonly fieldErrors: readonly FieldError[];
  /** Seconds until trying again makes sense (the Retry-After header), when given. */
  readonly retryAfter: number | null;
  readonly attemptsLeft: number | null;
  /** The whole problem document, for fields a screen needs (e.g. `current`). */
  readonly body: Readonly<Record<string, unknown>>;
  /** A step-up refusal whose dialog the person cancelled (api/client.ts). */
  readonly stepUpDeclined: boolean;

  constructor(init: {
    status: number;
    code: ProblemCode;
    detail?: string;
    fieldErrors?: readonly FieldError[];
    retryAfter?: number | null;
    attemptsLeft?: number | null;
    body?: Record<string, unknown>;
    stepUpDeclined?: boolean;
  }) {
    super(`${String(init.status)} ${init.code}${init.detail ? `: ${init.detail}` : ""}`);
    this.name = "ApiProblem";
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail ?? "";
    this.fieldErrors = init.fieldErrors ?? [];
    this.stepUpDeclined = init.stepUpDeclined ?? false;
    this.retryAfter = init.retryAfter ?? null;
    this.attemptsLeft = init.attemptsLeft ?? null;
    this.body = init.body ?? {};
  }

  /** What the API said about `field` (e.g. "email"), when it named that field. */
  fieldError(field: string): FieldError | undefined {
    return this.fieldErrors.find((error) => error.field === field);
  }
}

/** Retry-After as seconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | null {
  if (value === null || value.trim() === "") return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now.getTime()) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An answer that is not 2xx as an ApiProblem, whatever its body held. */
export function problemFrom(response: Response, body: unknown): ApiProblem {
  const document = isRecord(body) ? body : {};
  const code =
    typeof document.code === "string" && CODES.has(document.code)
      ? (document.code as ProblemCode)
      : fallbackCode(response.status);
  const errors = Array.isArray(document.errors) ? document.errors : [];
  const fieldErrors: FieldError[] = errors.filter(isRecord).map((error) => ({
    field: typeof error.field === "string" ? error.field : "",
    code: typeof error.code === "string" && error.code in FIELD_MESSAGES ? (error.code as FieldCode) : "invalid",
    message: typeof error.message === "string" ? error.message : "",
    limit: typeof error.limit === "string" ? error.limit : null,
  }));
  return new ApiProblem({
    status: response.status,
    code,
    detail: typeof document.detail === "string" ? document.detail : "",
    fieldErrors,
    retryAfter: parseRetryAfter(response.headers.get("Retry-After")),
    attemptsLeft: typeof document.attempts_left === "number" ? document.attempts_left : null,
    body: document,
    stepUpDeclined: response.headers.has(STEP_UP_DECLINED),
  });
}

function fallbackCode(status: number): ProblemCode {
  if (status === 401) return "unauthenticated";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 503) return "unavailable";
  if (status >= 400 && status < 500) return "bad_request";
  return "internal_error";
}

/** What to show for a problem: an i18n key and its interpolation values. */
export interface ProblemMessage {
  key: string;
  values: Record<string, string | number>;
}

/** Codes with a message of their own; every other code shows `problem.generic`. */
export const MESSAGE_CODES = [
  "account_disabled",
  "challenge_expired",
  "conflict",
  "csrf_failed",
  "email_not_verified",
  "forbidden",
  "invalid_code",
  "invalid_credentials",
  "mfa_required",
  "not_found",
  "payload_too_large",
  "precondition_failed",
  "rate_limited",
  "totp_required",
  "unauthenticated",
  "unavailable",
  "validation_error",
  "network_error",
] as const satisfies readonly ProblemCode[];

const WITH_MESSAGE: ReadonlySet<string> = new Set(MESSAGE_CODES);

/**
 * The message for a problem. Rate limits and outages say when to try again (from
 * Retry-After), a wrong code how many attempts are left.
 */
export function problemMessage(problem: unknown): ProblemMessage {
  if (!(problem instanceof ApiProblem)) return { key: "problem.generic", values: {} };
  if (problem.code === "rate_limited" || problem.code === "unavailable") {
    const seconds = problem.retryAfter;
    if (seconds === null) return { key: `problem.${problem.code}`, values: {} };
    if (seconds < 120) return { key: `problem.${problem.code}_seconds`, values: { count: seconds } };
    return {
      key: `problem.${problem.code}_minutes`,
      values: { count: Math.ceil(seconds / 60) },
    };
  }
  if (problem.code === "invalid_code" && problem.attemptsLeft !== null) {
    return { key: "problem.invalid_code_attempts", values: { count: problem.attemptsLeft } };
  }
  if (WITH_MESSAGE.has(problem.code)) return { key: `problem.${problem.code}`, values: {} };
  return { key: "problem.generic", values: {} };
}

/**
 * Each field code's message (`fieldProblem.*` in src/i18n/*.json), typed over the API's
 * whole list so a code added to the document fails the type check until it has one.
 */
export const FIELD_MESSAGES: Record<FieldCode, string> = {
  required: "fieldProblem.required",
  too_short: "fieldProblem.too_short",
  too_long: "fieldProblem.too_long",
  too_small: "fieldProblem.too_small",
  too_large: "fieldProblem.too_large",
  invalid_format: "fieldProblem.invalid_format",
  not_allowed: "fieldProblem.not_allowed",
  wrong_type: "fieldProblem.wrong_type",
  unknown_field: "fieldProblem.unknown_field",
  control_character: "fieldProblem.control_character",
  unknown: "fieldProblem.unknown",
  taken: "fieldProblem.taken",
  stale: "fieldProblem.stale",
  too_common: "fieldProblem.too_common",
  personal: "fieldProblem.personal",
  // Any other reason: English shows the API's words, Swedish a general sentence.
  invalid: "fieldProblem.invalid",
};

/** The message beside a refused field, in the language on screen. */
export function fieldMessage(error: FieldError): ProblemMessage {
  return {
    key: FIELD_MESSAGES[error.code],
    values: { limit: error.limit ?? "", message: error.message },
  };
}
