// A new password (POST /api/auth/password/change); the account's other sessions end.
import { Alert, Button, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import { ProblemAlert } from "../shell/ProblemAlert";
import { fieldError } from "../shell/forms";

/** A wrong password given to confirm an action: said beside the field, not as an alert. */
export function wrongPassword(error: unknown): boolean {
  return error instanceof ApiProblem && error.code === "invalid_credentials";
}

export function PasswordSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/auth/password/change", {
          body: { current_password: current, new_password: next },
        }),
      ),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      void queryClient.invalidateQueries({ queryKey: ["account", "sessions"] });
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    change.mutate();
  };
  const wrong = wrongPassword(change.error);
  return (
    <form onSubmit={submit} aria-labelledby="password-title">
      <Stack className="account-form">
        <Title order={2} id="password-title">
          {t("account.password.title")}
        </Title>
        <Text>{t("account.password.intro")}</Text>
        <PasswordInput
          label={t("account.password.current")}
          autoComplete="current-password"
          required
          value={current}
          onChange={(event) => { setCurrent(event.currentTarget.value); }}
          error={wrong ? t("account.wrongPassword") : fieldError(change.error, "current_password")}
        />
        <PasswordInput
          label={t("account.password.new")}
          description={t("signUp.passwordHint")}
          autoComplete="new-password"
          required
          value={next}
          onChange={(event) => { setNext(event.currentTarget.value); }}
          error={fieldError(change.error, "new_password")}
        />
        {!wrong && <ProblemAlert error={change.error} />}
        {change.isSuccess && (
          <Alert color="green" variant="light" role="status">
            {t("account.password.changed")}
          </Alert>
        )}
        <Button type="submit" w="fit-content" loading={change.isPending}>
          {t("account.password.submit")}
        </Button>
      </Stack>
    </form>
  );
}
