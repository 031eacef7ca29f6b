// What the projects area's screens share: its texts (the `projects` namespace,
// src/i18n/projects.*.json), refusals explained in words, a two-step confirm button and
// the queries more than one screen reads.
import { Alert, Button, Group, Loader } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { ApiProblem, type ProblemCode } from "../api/problem";
import type { components } from "../api/schema";
import { currentLanguage } from "../i18n";
import { ProblemAlert } from "../shell/ProblemAlert";

export type ProjectOut = components["schemas"]["ProjectOut"];
export type GatedProject = components["schemas"]["GatedProject"];
export type RoleOut = components["schemas"]["RoleOut"];
export type ScheduleOut = components["schemas"]["ScheduleOut"];

export const NAMESPACE = "projects";

/** The area's texts: `t("orgs.title")` reads src/i18n/projects.<language>.json. */
export function useT() {
  return useTranslation(NAMESPACE);
}

/** A project as its members see it (not the gated stub a session without 2FA gets). */
export function isFull(project: ProjectOut | GatedProject): project is ProjectOut {
  return "my_permissions" in project;
}

/** A role's name in the language on screen (the API's `name` follows the profile). */
export function roleName(role: Pick<RoleOut, "name" | "name_sv" | "name_en">): string {
  return currentLanguage() === "en" ? role.name_en || role.name : role.name_sv || role.name;
}

/** A padlock beside "requires two-step verification" (the words say it; this is a cue). */
export function LockIcon() {
  return (
    <svg aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 16 16">
      <path
        fill="currentColor"
        d="M8 1a4 4 0 0 0-4 4v2H3a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h10a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-1V5a4 4 0 0 0-4-4Zm-2.5 6V5a2.5 2.5 0 0 1 5 0v2h-5Z"
      />
    </svg>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return <Loader aria-label={t("translation:common.loading")} role="status" />;
}

/**
 * A refusal in words. The API's codes are general (`conflict`, `forbidden`); what they
 * mean depends on what was tried, so the screen names a text per code (`explain`), and
 * any other code gets the general message of src/api/problem.ts.
 */
export function Refusal({
  error,
  explain = {},
}: {
  error: unknown;
  explain?: Partial<Record<ProblemCode, string>>;
}) {
  const { t } = useT();
  if (error === null || error === undefined) return null;
  if (error instanceof ApiProblem) {
    if (error.code === "mfa_required" || error.code === "totp_required") {
      // The step-up dialog (api/client.ts, account/stepup.tsx) asked for the factor and
      // the person cancelled: the message says what is needed.
      return <ProblemAlert error={error} />;
    }
    const key = explain[error.code];
    if (key !== undefined) {
      return (
        <Alert color="red" role="alert" variant="light">
          {t(key)}
        </Alert>
      );
    }
  }
  return <ProblemAlert error={error} />;
}

/** A button that asks once more before it does something that cannot be undone. */
export function ConfirmButton({
  children,
  confirm,
  onConfirm,
  loading = false,
  disabled = false,
}: {
  children: ReactNode;
  confirm: string;
  onConfirm: () => void;
  loading?: boolean;
  disabled?: boolean;
}) {
  const { t } = useT();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button
        size="xs"
        variant="outline"
        color="red"
        disabled={disabled}
        onClick={() => { setAsking(true); }}
      >
        {children}
      </Button>
    );
  }
  return (
    <Group gap="xs">
      <Button
        size="xs"
        color="red"
        loading={loading}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </Button>
      <Button size="xs" variant="default" onClick={() => { setAsking(false); }}>
        {t("common.cancel")}
      </Button>
    </Group>
  );
}

export const projectKey = (projectId: string) => ["projects", projectId] as const;

export function useProject(projectId: string) {
  return useQuery({
    queryKey: projectKey(projectId),
    queryFn: () =>
      unwrap(api.GET("/projects/{project_id}", { params: { path: { project_id: projectId } } })),
  });
}

export const rolesKey = (orgId: string) => ["orgs", orgId, "roles"] as const;

export function useRoles(orgId: string | undefined) {
  return useQuery({
    queryKey: rolesKey(orgId ?? ""),
    enabled: orgId !== undefined,
    queryFn: () =>
      unwrap(api.GET("/orgs/{org_id}/roles", { params: { path: { org_id: orgId ?? "" } } })),
  });
}

export function useOrgs() {
  return useQuery({
    queryKey: ["orgs"],
    queryFn: () => unwrap(api.GET("/orgs", { params: { query: { limit: 500 } } })),
  });
}

// The invitation token from the e-mail's link (/invite#token=…), kept for this tab while
// the invitee signs up or signs in: the fragment never reaches the server, so the screens
// carry only `next=/invite` along, and this page finds the token here again.
const TOKEN_KEY = "casai.invitationToken";

export function rememberInvitation(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // private mode: the link has to be opened again after signing in
  }
}

export function pendingInvitation(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function forgetInvitation(): void {
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing kept
  }
}
