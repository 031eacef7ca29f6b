// Every route of the app. Screens signed-in people see load lazily, so the sign-in
// route's JavaScript stays small (bench/bench_web_bundle.py holds it to its budget).
import { createBrowserRouter, Navigate, type RouteObject } from "react-router";
import { Layout } from "./shell/Layout";
import { RequireSession } from "./shell/RequireSession";
import { NotFound, RouteError } from "./shell/RouteError";
import { ForgotPassword } from "./screens/ForgotPassword";
import { ResetPassword } from "./screens/ResetPassword";
import { SignIn } from "./screens/SignIn";
import { SignUp } from "./screens/SignUp";
import { VerifyEmail } from "./screens/VerifyEmail";

// The projects area (organisations, projects, invitations), each screen loaded when first
// opened. The invitation link works signed out: it offers to sign in or sign up first.
const projectsArea: RouteObject[] = [
  {
    path: "invite",
    lazy: async () => ({ Component: (await import("./projects/InviteScreen")).InviteScreen }),
  },
  {
    element: <RequireSession />,
    children: [
      {
        path: "projects",
        lazy: async () => ({ Component: (await import("./projects/ProjectsScreen")).ProjectsScreen }),
      },
      {
        path: "projects/:projectId",
        lazy: async () => ({ Component: (await import("./projects/ProjectScreen")).ProjectScreen }),
      },
      {
        path: "projects/:projectId/schedules/:scheduleId",
        // The editor and AG Grid in a chunk of their own, loaded only here.
        lazy: async () => ({ Component: (await import("./schedule/ScheduleScreen")).ScheduleScreen }),
      },
      {
        path: "orgs",
        lazy: async () => ({ Component: (await import("./projects/OrgsScreen")).OrgsScreen }),
      },
      {
        path: "orgs/:orgId",
        lazy: async () => ({ Component: (await import("./projects/OrgScreen")).OrgScreen }),
      },
    ],
  },
];

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
          ...projectsArea,
          // Platform administration (its screen checks the API's answer: 403 for others).
          {
            element: <RequireSession />,
            children: [
              {
                path: "admin",
                lazy: async () => ({ Component: (await import("./admin/Admin")).Admin }),
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
