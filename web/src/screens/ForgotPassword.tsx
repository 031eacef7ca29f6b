// Forgot the password: POST /api/auth/password/forgot (always 202), then the reset screen.
import { Anchor, Button, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ProblemAlert } from "../shell/ProblemAlert";
import { EmailInput } from "../shell/fields";

export function ForgotPassword() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get("email") ?? "");
  const forgot = useMutation({
    mutationFn: () => unwrap(api.POST("/auth/password/forgot", { body: { email } })),
    onSuccess: () => {
      void navigate(`/reset-password?email=${encodeURIComponent(email)}&sent=1`);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    forgot.mutate();
  };
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="forgot-title">
      <Title order={1} id="forgot-title">
        {t("forgot.title")}
      </Title>
      <Text>{t("forgot.intro")}</Text>
      <ProblemAlert error={forgot.error} />
      <form onSubmit={submit}>
        <Stack>
          <EmailInput value={email} onValue={setEmail} refusal={forgot.error} />
          <Button type="submit" loading={forgot.isPending}>
            {t("forgot.submit")}
          </Button>
        </Stack>
      </form>
      <Anchor component={Link} to="/sign-in">
        {t("forgot.back")}
      </Anchor>
    </Stack>
  );
}
