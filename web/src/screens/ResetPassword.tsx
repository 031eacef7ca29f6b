// A new password with the e-mailed code (POST /api/auth/password/reset); an account with
// an authenticator app needs its code too (asked for after 403 totp_required).
import { Alert, Button, Stack, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import { ProblemAlert } from "../shell/ProblemAlert";
import { ApiPasswordInput, CodeInput, EmailInput } from "../shell/fields";

export function ResetPassword() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const sentTo = params.get("sent") ? params.get("email") : null;
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [totpCode, setTotpCode] = useState("");
  const [needsTotp, setNeedsTotp] = useState(false);
  const reset = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/auth/password/reset", {
          body: {
            email,
            code: code.trim(),
            new_password: password,
            totp_code: needsTotp && totpCode.trim() ? totpCode.trim() : null,
          },
        }),
      ),
    onSuccess: () => {
      void navigate(`/sign-in?email=${encodeURIComponent(email)}&reset=1`);
    },
    onError: (error) => {
      if (error instanceof ApiProblem && error.code === "totp_required") setNeedsTotp(true);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    reset.mutate();
  };
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="reset-title">
      <Title order={1} id="reset-title">
        {t("reset.title")}
      </Title>
      {sentTo && (
        <Alert color="green" variant="light" role="status">
          {t("reset.sent", { email: sentTo })}
        </Alert>
      )}
      <ProblemAlert error={reset.error} />
      <form onSubmit={submit}>
        <Stack>
          <EmailInput value={email} onValue={setEmail} refusal={reset.error} />
          <CodeInput
            label={t("reset.code")}
            description={t("verify.codeHint")}
            value={code}
            onValue={setCode}
            refusal={reset.error}
            field="code"
          />
          <ApiPasswordInput
            label={t("reset.newPassword")}
            description={t("signUp.passwordHint")}
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
            refusal={reset.error}
            field="new_password"
          />
          {needsTotp && (
            <CodeInput
              label={t("reset.totp")}
              description={t("reset.totpNeeded")}
              value={totpCode}
              onValue={setTotpCode}
              refusal={reset.error}
              field="totp_code"
            />
          )}
          <Button type="submit" loading={reset.isPending}>
            {t("reset.submit")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}
