// The session as server state: GET /api/auth/session (null when signed out), kept by
// TanStack Query under SESSION_KEY and set directly by sign-in and sign-out.
import { useQuery, type QueryClient } from "@tanstack/react-query";
import { api, setCsrfToken, unwrap } from "./client";
import { ApiProblem } from "./problem";
import type { components } from "./schema";

export type SessionView = components["schemas"]["SessionView"];
export type Authenticated = components["schemas"]["Authenticated"];
export const SESSION_KEY = ["session"] as const;

export async function fetchSession(): Promise<SessionView | null> {
  try {
    return await unwrap(api.GET("/auth/session"));
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 60_000 });
}

let endedBySignOut = false;

/** Whether the last session ended because the person signed out (not expired). */
export function sessionEndedBySignOut(): boolean {
  return endedBySignOut;
}

/** After a sign-in answer: the session is known without asking again. */
export function signedIn(client: QueryClient, answer: Authenticated): void {
  endedBySignOut = false;
  setCsrfToken(answer.csrf_token);
  const view: SessionView = {
    user: answer.user,
    session: answer.session,
    csrf_token: answer.csrf_token,
  };
  client.setQueryData(SESSION_KEY, view);
}

/** After sign-out or a 401: forget the session and everything read with it. */
export function signedOut(client: QueryClient, bySignOut = false): void {
  if (bySignOut) endedBySignOut = true;
  setCsrfToken(null);
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
  client.setQueryData(SESSION_KEY, null);
}
