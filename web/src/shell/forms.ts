// Small helpers for forms that post to the API.
import { ApiProblem } from "../api/problem";

/** The API's message for `field` (its `errors[]`), to show beside that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiProblem ? error.fieldError(field) : undefined;
}

/** Where to go after signing in: a path on this site from `?next=`, else the start page. */
export function safeNext(next: string | null): string {
  if (next === null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return "/projects";
  }
  return next;
}
