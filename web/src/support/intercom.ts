// The Intercom Messenger, loaded only when the deployment configured an app id
// (GET /api/support/messenger answers `enabled: true`) AND the page's Content-Security-
// Policy allows Intercom's scripts. The default CSP (`script-src 'self'`) does not: then
// the chat is not tried at all (no CSP violation, no broken widget) and the help panel
// says so and offers the ticket form. What a deployment adds to its CSP to allow the
// chat is in src/support/README.md.
import type { components } from "../api/schema";

export type MessengerConfig = components["schemas"]["MessengerConfig"];

/** Where Intercom's loader comes from (its own script then loads from js.intercomcdn.com). */
export const WIDGET_ORIGIN = "https://widget.intercom.io";
/** The script sources the Messenger needs in `script-src`. */
export const SCRIPT_SOURCES = [
  "https://app.intercom.io",
  "https://widget.intercom.io",
  "https://js.intercomcdn.com",
] as const;

type IntercomCall = (command: string, ...args: unknown[]) => void;

declare global {
  interface Window {
    Intercom?: IntercomCall;
    intercomSettings?: Record<string, unknown>;
  }
}

/** The directive's sources of a CSP header (`default-src` when the directive is absent). */
export function directiveSources(policy: string, directive: string): string[] | null {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), sources);
  }
  return directives.get(directive) ?? directives.get("default-src") ?? null;
}

/** Whether a CSP header (or several, comma-joined) lets the Messenger's scripts run. */
export function policyAllowsIntercom(header: string | null): boolean {
  if (header === null || header.trim() === "") return true; // no policy: nothing refuses
  // Several policies each apply: every one must allow the scripts.
  return header.split(",").every((policy) => {
    const sources = directiveSources(policy, "script-src");
    if (sources === null) return true;
    return SCRIPT_SOURCES.every(
      (source) =>
        sources.includes(source) ||
        sources.includes("https:") ||
        sources.includes("*") ||
        sources.includes("'strict-dynamic'"),
    );
  });
}

/** The policy this page was served with: read from the same document again (HEAD). */
async function pagePolicy(): Promise<string | null> {
  const response = await fetch(window.location.pathname, {
    method: "HEAD",
    credentials: "same-origin",
    cache: "no-store",
  });
  return response.headers.get("Content-Security-Policy");
}

export type ChatState = "unavailable" | "blocked" | "loading" | "ready" | "failed";

let loading: Promise<ChatState> | null = null;
let bootedFor: string | null = null;

/** What `Intercom("boot")` is given for this visitor. */
export function settingsFor(config: MessengerConfig): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    app_id: config.app_id,
    hide_default_launcher: true,
  };
  // A workspace outside the US (an EU one, say) answers only on its region's host.
  if (config.api_base) settings.api_base = config.api_base;
  if (config.user_id) {
    settings.user_id = config.user_id;
    settings.user_hash = config.user_hash;
    settings.email = config.email;
    settings.name = config.name;
  }
  return settings;
}

/**
 * Load and boot the Messenger for this visitor, once. "blocked" when the CSP would
 * refuse it (nothing is loaded then), "failed" when the script did not load.
 */
export function loadIntercom(config: MessengerConfig): Promise<ChatState> {
  if (!config.enabled || !config.app_id) return Promise.resolve("unavailable");
  const appId = config.app_id;
  const who = config.user_id ?? "anonymous";
  if (loading !== null) {
    return loading.then((state) => {
      if (state === "ready" && bootedFor !== who && window.Intercom) {
        // Signed in or out since: the chat must not carry the previous person's talk.
        window.Intercom("shutdown");
        window.Intercom("boot", settingsFor(config));
        bootedFor = who;
      }
      return state;
    });
  }
  loading = (async (): Promise<ChatState> => {
    let policy: string | null;
    try {
      policy = await pagePolicy();
    } catch {
      return "failed";
    }
    if (!policyAllowsIntercom(policy)) return "blocked";
    window.intercomSettings = settingsFor(config);
    return new Promise<ChatState>((resolve) => {
      const script = document.createElement("script");
      script.async = true;
      script.src = `${WIDGET_ORIGIN}/widget/${encodeURIComponent(appId)}`;
      script.onload = () => {
        if (!window.Intercom) {
          resolve("failed");
          return;
        }
        window.Intercom("boot", settingsFor(config));
        bootedFor = who;
        resolve("ready");
      };
      script.onerror = () => { resolve("failed"); };
      document.head.appendChild(script);
    });
  })();
  return loading;
}

export function showIntercom(): void {
  window.Intercom?.("show");
}
