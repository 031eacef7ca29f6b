// Sign in: the password (POST /api/auth/login), then, when the account asks for a
// second factor (`otp_required`), a code: by e-mail (with resend and its cooldown), from
// an authenticator app, or a recovery code (POST /api/auth/otp/verify).
import { Alert, Anchor, Button, Group, Stack, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { signedIn, useSession } from "../api/session";
import { ProblemAlert } from "../shell/ProblemAlert";
import { safeNext, withQuery } from "../shell/forms";
import { OtpStep } from "./OtpStep";
import { ApiPasswordInput, EmailInput } from "../shell/fields";

export type OtpChallenge = components["schemas"]["OtpRequired"];

export function SignIn() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<OtpChallenge | null>(null);
  const [done, setDone] = useState(false);

  const login = useMutation({
    mutationFn: () => unwrap(api.POST("/auth/login", { body: { email, password } })),
    onSuccess: (answer) => {
      if (answer.status === "authenticated") {
        signedIn(queryClient, answer);
        setDone(true);
      } else {
        setChallenge(answer);
      }
    },
  });

  useEffect(() => {
    if (done) void navigate(next, { replace: true });
  }, [done, navigate, next]);

  // Signed in already: on to where they were going (not while signing out, see Layout).
  if (session.data && !done && !params.get("signed_out")) return <Navigate to={next} replace />;

  if (challenge) {
    return (
      <OtpStep
        challenge={challenge}
        onSignedIn={(answer) => {
          signedIn(queryClient, answer);
          setDone(true);
        }}
        onRestart={() => {
          setChallenge(null);
          setPassword("");
          login.reset();
        }}
      />
    );
  }

  const notice = params.get("verified")
    ? t("signIn.verified")
    : params.get("reset")
      ? t("signIn.reset")
      : params.get("signed_out")
        ? t("signIn.signedOut")
        : params.get("next")
          ? t("signIn.needsSession")
          : null;

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    login.mutate();
  };
  const notVerified = login.error && "code" in login.error && login.error.code === "email_not_verified";

  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="sign-in-title">
      <Title order={1} id="sign-in-title">
        {t("signIn.title")}
      </Title>
      {notice && (
        <Alert color="blue" variant="light" role="status">
          {notice}
        </Alert>
      )}
      <ProblemAlert error={login.error} />
      {notVerified && (
        <Anchor component={Link} to={withQuery("/verify-email", { email, next: params.get("next") })}>
          {t("signIn.verifyNow")}
        </Anchor>
      )}
      <form onSubmit={submit}>
        <Stack>
          <EmailInput autoComplete="username" value={email} onValue={setEmail} refusal={login.error} />
          <ApiPasswordInput
            label={t("common.password")}
            autoComplete="current-password"
            value={password}
            onValue={setPassword}
            refusal={login.error}
            field="password"
          />
          <Button type="submit" loading={login.isPending}>
            {t("signIn.submit")}
          </Button>
        </Stack>
      </form>
      <Group justify="space-between">
        <Anchor component={Link} to={withQuery("/forgot-password", { email })}>
          {t("signIn.forgot")}
        </Anchor>
        <Anchor component={Link} to={withQuery("/sign-up", { next: params.get("next"), email })}>
          {t("signIn.noAccount")}
        </Anchor>
      </Group>
    </Stack>
  );
}
