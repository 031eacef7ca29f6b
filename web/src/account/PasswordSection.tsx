// A new password (POST /api/auth/password/change); the account's other sessions end.
import { Alert, Button, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import { ProblemAlert } from "../shell/ProblemAlert";
import { ApiPasswordInput } from "../shell/fields";

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
        <ApiPasswordInput
          label={t("account.password.current")}
          autoComplete="current-password"
          value={current}
          onValue={setCurrent}
          refusal={change.error}
          field="current_password"
          error={wrong ? t("account.wrongPassword") : undefined}
        />
        <ApiPasswordInput
          label={t("account.password.new")}
          description={t("signUp.passwordHint")}
          autoComplete="new-password"
          value={next}
          onValue={setNext}
          refusal={change.error}
          field="new_password"
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
