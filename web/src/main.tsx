import "@mantine/core/styles.css";
import "./app.css";
import "./i18n";
import { MantineProvider } from "@mantine/core";
import {
  MutationCache,
  QueryCache,
  QueryClient,
  QueryClientProvider,
} from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router";
import { ApiProblem } from "./api/problem";
import { SESSION_KEY, signedOut } from "./api/session";
import { StepUpProvider } from "./account/stepup";
import { router } from "./router";
import { HelpProvider } from "./support/help";
import { theme } from "./theme";

// A session that ended (expired, signed out elsewhere): RequireSession sends the person
// to sign in, and back. (A wrong password at sign-in is a 401 too, but no session is lost.)
function sessionEnded(error: unknown): void {
  const signedIn = queryClient.getQueryData(SESSION_KEY) != null;
  if (signedIn && error instanceof ApiProblem && error.code === "unauthenticated") {
    signedOut(queryClient);
  }
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError(error, query) {
      if (query.queryKey[0] !== SESSION_KEY[0]) sessionEnded(error);
    },
  }),
  mutationCache: new MutationCache({ onError: sessionEnded }),
  defaultOptions: {
    queries: {
      retry: (failures, error) =>
        failures < 2 && (!(error instanceof ApiProblem) || error.status === 0 || error.status >= 500),
      refetchOnWindowFocus: false,
    },
  },
});

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");

createRoot(root).render(
  <StrictMode>
    {/* No <style> elements: the CSP has no 'unsafe-inline' (see src/theme.ts). */}
    <MantineProvider
      theme={theme}
      forceColorScheme="light"
      withCssVariables={false}
      withGlobalClasses={false}
    >
      <QueryClientProvider client={queryClient}>
        <HelpProvider>
          <StepUpProvider onSetUpAuthenticator={() => void router.navigate("/account?tab=two-factor")}>
            <RouterProvider router={router} />
          </StepUpProvider>
        </HelpProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
