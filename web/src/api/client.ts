// The typed API client: openapi-fetch over the types openapi-typescript generated from
// /api/openapi.json (schema.d.ts, `make client`). Same-origin cookies, the CSRF header on
// unsafe methods, and every refusal thrown as an ApiProblem.
import createClient, { type Middleware } from "openapi-fetch";
import { ApiProblem, problemFrom, STEP_UP_DECLINED } from "./problem";
import type { paths } from "./schema";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
export const CSRF_HEADER = "X-CSRF-Token";

let csrfToken: string | null = null;

/** The token of the session (sign-in answers and GET /auth/session carry it). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken !== null && UNSAFE.has(request.method.toUpperCase())) {
      request.headers.set(CSRF_HEADER, csrfToken);
    }
    return request;
  },
  async onResponse({ request, response }) {
    // A new session (sign-in, code verified, session read) brings its token: only the
    // /auth answers are read twice, not a schedule's 10,000 rows.
    const type = response.headers.get("Content-Type") ?? "";
    const auth = new URL(request.url).pathname.startsWith("/api/auth/");
    if (auth && response.ok && type.startsWith("application/json")) {
      const body: unknown = await response.clone().json().catch(() => null);
      if (typeof body === "object" && body !== null && "csrf_token" in body) {
        const token = body.csrf_token;
        if (typeof token === "string") csrfToken = token;
      }
    }
    return response;
  },
};

/** What the step-up dialog answers: whether the session passed the factor asked for. */
export type StepUpHandler = (reason: "mfa_required" | "totp_required") => Promise<boolean>;
let stepUpHandler: StepUpHandler | null = null;

/** Set by the step-up dialog (account/stepup.tsx) while it is mounted. */
export function setStepUpHandler(handler: StepUpHandler | null): void {
  stepUpHandler = handler;
}

async function stepUpReason(response: Response): Promise<"mfa_required" | "totp_required" | null> {
  if (response.status !== 403) return null;
  const body: unknown = await response.clone().json().catch(() => null);
  const code = typeof body === "object" && body !== null && "code" in body ? body.code : null;
  return code === "mfa_required" || code === "totp_required" ? code : null;
}

// Every call of the app: a 403 `mfa_required` / `totp_required` opens the step-up dialog,
// and once the session has its factor the same request goes again (with the renewed
// CSRF token; at most twice: an e-mail code, then an authenticator app). Cancelled, the
// refusal is the answer, marked so that no wrapper asks again.
const sent = new WeakMap<Request, Request>();
const stepUp: Middleware = {
  onRequest({ request }) {
    if (stepUpHandler !== null) sent.set(request, request.clone());
    return request;
  },
  async onResponse({ request, response }) {
    const copy = sent.get(request);
    sent.delete(request);
    let answer = response;
    for (let attempt = 0; copy !== undefined && attempt < 2; attempt += 1) {
      const reason = await stepUpReason(answer);
      if (reason === null || stepUpHandler === null) break;
      if (!(await stepUpHandler(reason))) {
        const headers = new Headers(answer.headers);
        headers.set(STEP_UP_DECLINED, "1");
        return new Response(answer.body, { status: answer.status, headers });
      }
      const again = copy.clone();
      if (csrfToken !== null && UNSAFE.has(again.method.toUpperCase())) {
        again.headers.set(CSRF_HEADER, csrfToken);
      }
      answer = await fetch(again);
    }
    return answer;
  },
};

export const api = createClient<paths>({ baseUrl: "/api", credentials: "same-origin" });
api.use(csrf, stepUp);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a 2xx answer, or an ApiProblem thrown for anything else (also when the
 * network failed: code `network_error`, status 0). Use with each `api.GET(...)` etc.
 */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (error) {
    if (error instanceof ApiProblem) throw error;
    throw new ApiProblem({ status: 0, code: "network_error", detail: String(error) });
  }
  if (!answer.response.ok) throw problemFrom(answer.response, answer.error);
  return answer.data as T;
}
