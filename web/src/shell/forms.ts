// Small helpers for forms that post to the API.
import { ApiProblem, fieldMessage } from "../api/problem";
// The global instance, which src/i18n configures (imported here, it would need a DOM).
import i18n from "i18next";

/** Why the API refused `field` (its `errors[]`), in the language on screen, to show
 * beside that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  const found = error instanceof ApiProblem ? error.fieldError(field) : undefined;
  if (found === undefined) return undefined;
  const { key, values } = fieldMessage(found);
  return i18n.t(key, values);
}

/** Where to go after signing in: a path on this site from `?next=`, else the start page. */
export function safeNext(next: string | null): string {
  if (next === null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return "/projects";
  }
  return next;
}

/**
 * A path with its query, leaving out what is not given. `next` travels from the sign-in
 * screens to sign-up, e-mail verification and back to sign-in, so a person who came
 * from a link (an invitation, a deep link) ends up where they were going.
 */
export function withQuery(path: string, query: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value) search.set(key, value);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
