// Verify the e-mail address: the code from the e-mail and the password chosen
// (POST /api/auth/verify-email), then sign in.
import { Alert, Button, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ProblemAlert } from "../shell/ProblemAlert";
import { withQuery } from "../shell/forms";
import { ApiPasswordInput, CodeInput, EmailInput } from "../shell/fields";

export function VerifyEmail() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const sentTo = params.get("sent") ? params.get("email") : null;
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const verify = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/auth/verify-email", { body: { email, code: code.trim(), password } })),
    onSuccess: () => {
      void navigate(withQuery("/sign-in", { email, verified: "1", next: params.get("next") }));
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    verify.mutate();
  };
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="verify-title">
      <Title order={1} id="verify-title">
        {t("verify.title")}
      </Title>
      {sentTo && (
        <Alert color="green" variant="light" role="status">
          {t("verify.sent", { email: sentTo })}
        </Alert>
      )}
      <Text>{t("verify.intro")}</Text>
      <ProblemAlert error={verify.error} />
      <form onSubmit={submit}>
        <Stack>
          <EmailInput value={email} onValue={setEmail} refusal={verify.error} />
          <CodeInput
            label={t("verify.code")}
            description={t("verify.codeHint")}
            value={code}
            onValue={setCode}
            refusal={verify.error}
            field="code"
          />
          <ApiPasswordInput
            label={t("common.password")}
            description={t("verify.passwordHint")}
            autoComplete="current-password"
            value={password}
            onValue={setPassword}
            refusal={verify.error}
            field="password"
          />
          <Button type="submit" loading={verify.isPending}>
            {t("verify.submit")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}
