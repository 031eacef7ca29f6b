// Whether the signed-in person is a platform administrator is not in the session the
// web app reads (GET /api/auth/session, GET /api/me carry no `platform_admin`), so the
// header shows the administration link to everyone signed in until the API refused
// this person (403 forbidden): then the link goes, until the next sign-in.
import { useQuery, type QueryClient } from "@tanstack/react-query";

export const ADMIN_DENIED_KEY = ["admin-denied"] as const;

export function useAdminDenied(): boolean {
  const denied = useQuery({
    queryKey: ADMIN_DENIED_KEY,
    queryFn: () => false,
    enabled: false,
    staleTime: Infinity,
  });
  return denied.data === true;
}

export function markAdminDenied(client: QueryClient): void {
  client.setQueryData(ADMIN_DENIED_KEY, true);
}
