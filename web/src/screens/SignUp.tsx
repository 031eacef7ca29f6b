// Sign up: POST /api/auth/register, then "check your e-mail" on the verify screen
// (`?next=` and `?email=` carried along from an invitation).
import { Anchor, Button, Stack, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { currentLanguage } from "../i18n";
import { ProblemAlert } from "../shell/ProblemAlert";
import { withQuery } from "../shell/forms";
import { ApiPasswordInput, ApiTextInput, EmailInput } from "../shell/fields";

export function SignUp() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get("next");
  const [email, setEmail] = useState(params.get("email") ?? "");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const register = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/auth/register", {
          body: { email, password, display_name: displayName, locale: currentLanguage() },
        }),
      ),
    onSuccess: () => {
      void navigate(withQuery("/verify-email", { email, sent: "1", next }));
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="sign-up-title">
      <Title order={1} id="sign-up-title">
        {t("signUp.title")}
      </Title>
      <ProblemAlert error={register.error} />
      <form onSubmit={submit} noValidate={false}>
        <Stack>
          <ApiTextInput
            label={t("signUp.displayName")}
            autoComplete="name"
            required
            value={displayName}
            onValue={setDisplayName}
            refusal={register.error}
            field="display_name"
          />
          <EmailInput value={email} onValue={setEmail} refusal={register.error} />
          <ApiPasswordInput
            label={t("common.password")}
            description={t("signUp.passwordHint")}
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
            refusal={register.error}
            field="password"
          />
          <Button type="submit" loading={register.isPending}>
            {t("signUp.submit")}
          </Button>
        </Stack>
      </form>
      <Anchor component={Link} to={withQuery("/sign-in", { next, email })}>
        {t("signUp.haveAccount")}
      </Anchor>
    </Stack>
  );
}
