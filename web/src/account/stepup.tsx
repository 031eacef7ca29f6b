// Step-up: when the API refuses an action because this session has not passed a second
// factor (403 `mfa_required`), or not an authenticator app (403 `totp_required`), a
// dialog asks for a code (POST /api/auth/step-up, then POST /api/auth/otp/verify) and
// the refused action is then REPEATED by itself. When an authenticator app is needed
// and the account has none, the dialog says so and leads to the account page instead.
//
// Every call through api/client.ts gets this by itself: its middleware opens the dialog
// on such a refusal and sends the request again, so screens need nothing. The wrappers
// below remain for a call that must step up around more than one request.
//
// How to use it (any area):
//
//   import { useStepUp } from "../account/stepup";
//   const stepUp = useStepUp();
//   const save = useMutation({
//     mutationFn: (body: Body) => stepUp(() => unwrap(api.PUT("/...", { body }))),
//   });
//   const gated = useQuery({
//     queryKey: [...],
//     queryFn: () => stepUp(() => unwrap(api.GET("/..."))),
//   });
//
// `stepUp(call)` runs `call`; on an `mfa_required` / `totp_required` refusal it opens
// the dialog and, once the code is verified, runs `call` again (a fresh request, with
// the renewed CSRF token) and returns its result. If the person cancels, the original
// ApiProblem is thrown, as without step-up. Outside React (a queryFn defined at module
// level), `withStepUp(call)` does the same. Concurrent refusals share one dialog.
//
// The verify answer renews the session cookie (the browser keeps it) and brings a new
// CSRF token: api/client.ts's middleware keeps every `csrf_token` of an /api/auth
// answer, and the session query is updated here (`signedIn`).
//
// <StepUpProvider> wraps the router in main.tsx. Its Modal has lockScroll off (the
// scroll lock writes a <style> element, which the CSP refuses).
import { Alert, Button, Group, Loader, Modal, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
  type SyntheticEvent,
} from "react";
import { useTranslation } from "react-i18next";
import { api, setStepUpHandler, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import type { components } from "../api/schema";
import { signedIn } from "../api/session";
import { formatDateTime } from "../format";
import { CodeMethodTabs } from "../shell/CodeMethodTabs";
import { ProblemAlert } from "../shell/ProblemAlert";

type Method = components["schemas"]["Challenge"]["methods"][number];
export type StepUpReason = "mfa_required" | "totp_required";
export type StepUp = <T>(call: () => Promise<T>) => Promise<T>;

/** Whether an error is a refusal that a step-up can lift. */
export function stepUpReason(error: unknown): StepUpReason | null {
  if (!(error instanceof ApiProblem) || error.status !== 403) return null;
  if (error.code === "mfa_required" || error.code === "totp_required") return error.code;
  return null;
}

type Ask = (reason: StepUpReason) => Promise<boolean>;

/**
 * Run `call`; when it is refused for a missing second factor, `ask` (the dialog) and,
 * if the session was stepped up, run it again. At most two step-ups per call (a second
 * refusal after a passed factor can be `totp_required` after an e-mail code).
 */
export async function runWithStepUp<T>(call: () => Promise<T>, ask: Ask): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const reason = stepUpReason(error);
      if (reason === null || attempt >= 2 || (error as ApiProblem).stepUpDeclined) throw error;
      if (!(await ask(reason))) throw error;
    }
  }
}

let registered: Ask | null = null;
let asked = 0;

/** `stepUp` for code outside components; without a provider it only runs `call`. */
export function withStepUp<T>(call: () => Promise<T>): Promise<T> {
  const ask = registered;
  return ask === null ? call() : runWithStepUp(call, ask);
}

const StepUpContext = createContext<StepUp>(withStepUp);

/** The step-up wrapper for API calls: see the comment at the top of this file. */
export function useStepUp(): StepUp {
  return useContext(StepUpContext);
}

interface Pending {
  id: number;
  reason: StepUpReason;
  promise: Promise<boolean>;
  resolve: (passed: boolean) => void;
}

export function StepUpProvider({
  children,
  onSetUpAuthenticator,
}: {
  children: ReactNode;
  /** Go to where an authenticator app is set up (the account page). */
  onSetUpAuthenticator: () => void;
}) {
  const [pending, setPending] = useState<Pending | null>(null);
  const current = useRef<Pending | null>(null);

  const ask = useCallback<Ask>((reason) => {
    if (current.current !== null) return current.current.promise;
    let resolve: (passed: boolean) => void = () => undefined;
    const promise = new Promise<boolean>((done) => {
      resolve = done;
    });
    asked += 1;
    const next: Pending = { id: asked, reason, promise, resolve };
    current.current = next;
    setPending(next);
    return promise;
  }, []);

  const finish = useCallback((passed: boolean) => {
    const open = current.current;
    current.current = null;
    setPending(null);
    open?.resolve(passed);
  }, []);

  useEffect(() => {
    registered = ask;
    setStepUpHandler(ask); // every API call steps up through this dialog (api/client.ts)
    return () => {
      if (registered === ask) {
        registered = null;
        setStepUpHandler(null);
      }
    };
  }, [ask]);

  const stepUp = useMemo<StepUp>(() => (call) => runWithStepUp(call, ask), [ask]);

  return (
    <StepUpContext.Provider value={stepUp}>
      {children}
      <StepUpDialog
        pending={pending}
        onDone={finish}
        onSetUpAuthenticator={() => {
          finish(false);
          onSetUpAuthenticator();
        }}
      />
    </StepUpContext.Provider>
  );
}

function StepUpDialog({
  pending,
  onDone,
  onSetUpAuthenticator,
}: {
  pending: Pending | null;
  onDone: (passed: boolean) => void;
  onSetUpAuthenticator: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={pending !== null}
      onClose={() => { onDone(false); }}
      title={t("account.stepUp.title")}
      lockScroll={false}
      closeButtonProps={{ "aria-label": t("account.stepUp.cancel") }}
    >
      {pending && (
        <StepUpBody
          key={pending.id} // a new dialog, a new challenge
          reason={pending.reason}
          onDone={onDone}
          onSetUpAuthenticator={onSetUpAuthenticator}
        />
      )}
    </Modal>
  );
}

function StepUpBody({
  reason,
  onDone,
  onSetUpAuthenticator,
}: {
  reason: StepUpReason;
  onDone: (passed: boolean) => void;
  onSetUpAuthenticator: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  // totp_required: is there an app to give a code from?
  const mfa = useQuery({
    queryKey: ["account", "mfa"],
    queryFn: () => unwrap(api.GET("/auth/mfa")),
    enabled: reason === "totp_required",
  });
  const noApp = reason === "totp_required" && mfa.data?.totp === false;
  const ready = reason === "mfa_required" || mfa.data?.totp === true;

  const challenge = useMutation({
    mutationFn: () => unwrap(api.POST("/auth/step-up")),
  });
  const startChallenge = challenge.mutate;
  const started = useRef(false);
  useEffect(() => {
    if (ready && !started.current) {
      started.current = true; // one e-mailed code per dialog
      startChallenge();
    }
  }, [ready, startChallenge]);

  const offered: Method[] = (challenge.data?.methods ?? []).filter(
    (each) => reason === "mfa_required" || each === "totp",
  );
  const [method, setMethod] = useState<Method | null>(null);
  const chosen: Method | null = method ?? offered[0] ?? null;
  const [code, setCode] = useState("");

  const verify = useMutation({
    mutationFn: () => {
      if (!challenge.data || chosen === null) throw new Error("no challenge");
      return unwrap(
        api.POST("/auth/otp/verify", {
          body: { challenge_id: challenge.data.challenge_id, code: code.trim(), method: chosen },
        }),
      );
    },
    onSuccess: (answer) => {
      if (answer.status !== "authenticated") return;
      // the new CSRF token (also kept by client.ts) and the upgraded session
      signedIn(queryClient, answer);
      void queryClient.invalidateQueries({
        predicate: (query) => query.queryKey[0] !== "session",
      });
      onDone(true);
    },
  });
  const expired = verify.error instanceof ApiProblem && verify.error.code === "challenge_expired";

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    verify.mutate();
  };

  if (noApp) {
    return (
      <Stack>
        <Text>{t("account.stepUp.needsApp")}</Text>
        <Group>
          <Button onClick={onSetUpAuthenticator}>{t("account.stepUp.setUpApp")}</Button>
          <Button variant="default" onClick={() => { onDone(false); }}>
            {t("account.stepUp.cancel")}
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Stack>
      <Text>
        {reason === "totp_required" ? t("account.stepUp.introApp") : t("account.stepUp.intro")}
      </Text>
      <ProblemAlert error={mfa.error ?? challenge.error} />
      {(mfa.isLoading || challenge.isPending) && (
        <Loader aria-label={t("common.loading")} role="status" />
      )}
      {challenge.data && chosen !== null && (
        <>
          <Text size="sm">
            {t("otp.expires", { time: formatDateTime(challenge.data.expires_at) })}
          </Text>
          <ProblemAlert error={verify.error} />
          {expired ? (
            <Button
              onClick={() => {
                verify.reset();
                setCode("");
                startChallenge();
              }}
            >
              {t("account.stepUp.newCode")}
            </Button>
          ) : (
            <CodeMethodTabs
              methods={offered}
              method={chosen}
              onMethodChange={(next) => {
                setMethod(next);
                setCode("");
                verify.reset();
              }}
              code={code}
              onCodeChange={setCode}
              onSubmit={submit}
              error={verify.error}
              autoFocus
              actions={() => (
              <Group>
                <Button type="submit" loading={verify.isPending}>
                  {t("account.stepUp.submit")}
                </Button>
                <Button variant="default" onClick={() => { onDone(false); }}>
                  {t("account.stepUp.cancel")}
                </Button>
              </Group>
              )}
            />
          )}
        </>
      )}
      {challenge.isSuccess && chosen === null && (
        <Alert color="red" variant="light" role="alert">
          {t("account.stepUp.noMethod")}
        </Alert>
      )}
    </Stack>
  );
}
