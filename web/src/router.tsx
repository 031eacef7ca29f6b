// Every route of the app. Screens signed-in people see load lazily, so the sign-in
// route's JavaScript stays small (bench/bench_web_bundle.py holds it to its budget).
import { createBrowserRouter, Navigate } from "react-router";
import { Layout } from "./shell/Layout";
import { RequireSession } from "./shell/RequireSession";
import { NotFound, RouteError } from "./shell/RouteError";
import { ForgotPassword } from "./screens/ForgotPassword";
import { ResetPassword } from "./screens/ResetPassword";
import { SignIn } from "./screens/SignIn";
import { SignUp } from "./screens/SignUp";
import { VerifyEmail } from "./screens/VerifyEmail";

export const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      {
        errorElement: <RouteError />,
        children: [
          { index: true, element: <Navigate to="/projects" replace /> },
          { path: "sign-in", element: <SignIn /> },
          { path: "sign-up", element: <SignUp /> },
          { path: "verify-email", element: <VerifyEmail /> },
          { path: "forgot-password", element: <ForgotPassword /> },
          { path: "reset-password", element: <ResetPassword /> },
          {
            element: <RequireSession />,
            children: [
              {
                path: "projects",
                lazy: async () => ({ Component: (await import("./screens/Projects")).Projects }),
              },
              {
                path: "projects/:projectId",
                lazy: async () => ({ Component: (await import("./screens/Project")).Project }),
              },
            ],
          },
          // The account (issue 17): the page needs a session; the after-deletion one not.
          {
            path: "account",
            children: [
              {
                path: "deleted",
                lazy: async () => ({ Component: (await import("./account/Deleted")).Deleted }),
              },
              {
                element: <RequireSession />,
                children: [
                  {
                    index: true,
                    lazy: async () => ({ Component: (await import("./account/Account")).Account }),
                  },
                ],
              },
            ],
          },
          { path: "*", element: <NotFound /> },
        ],
      },
    ],
  },
]);
