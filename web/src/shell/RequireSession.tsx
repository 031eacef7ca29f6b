// Screens for signed-in people: without a session, to the sign-in page, which comes
// back here (`?next=`) once signed in.
import { Center, Loader } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Navigate, Outlet, useLocation } from "react-router";
import { sessionEndedBySignOut, useSession } from "../api/session";
import { ProblemAlert } from "./ProblemAlert";

export function RequireSession() {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  if (session.isPending) {
    return (
      <Center mt="xl">
        <Loader aria-label={t("session.checking")} role="status" />
      </Center>
    );
  }
  if (session.isError) return <ProblemAlert error={session.error} />;
  if (session.data === null) {
    if (sessionEndedBySignOut()) return <Navigate to="/sign-in?signed_out=1" replace />;
    const next = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}
