// The person's data: everything held about them as a JSON file (GET /api/me/export),
// and deleting the account (DELETE /api/me with the password; a second factor when the
// account has one, through useStepUp). A refusal says why in words.
import { Alert, Anchor, Button, Checkbox, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiProblem } from "../api/problem";
import { ProblemAlert } from "../shell/ProblemAlert";
import { ApiPasswordInput } from "../shell/fields";
import { downloadFile } from "./download";
import { wrongPassword } from "./PasswordSection";
import { useStepUp } from "./stepup";

export function DataSection() {
  return (
    <Stack className="account-form" gap="xl">
      <Export />
      <DeleteAccount />
    </Stack>
  );
}

function Export() {
  const { t } = useTranslation();
  const download = useMutation({
    mutationFn: () => unwrap(api.GET("/me/export")),
    onSuccess: (data) => {
      const day = new Date().toISOString().slice(0, 10);
      downloadFile(`casai-data-${day}.json`, JSON.stringify(data, null, 2), "application/json");
    },
  });
  return (
    <Stack aria-labelledby="export-title" component="section">
      <Title order={2} id="export-title">
        {t("account.export.title")}
      </Title>
      <Text>{t("account.export.intro")}</Text>
      <ProblemAlert error={download.error} />
      <Button w="fit-content" variant="default" loading={download.isPending} onClick={() => { download.mutate(); }}>
        {t("account.export.download")}
      </Button>
    </Stack>
  );
}

/** Why a deletion was refused with 409: a project or an organisation left without a manager. */
function Refusal({ error }: { error: ApiProblem }) {
  const { t } = useTranslation();
  const project = typeof error.body.project_id === "string" ? error.body.project_id : null;
  const name = (key: "project_name" | "org_name") =>
    typeof error.body[key] === "string" ? `“${error.body[key]}”` : "";
  if (project !== null) {
    return (
      <Alert color="red" variant="light" role="alert">
        {t("account.delete.soleManager", { name: name("project_name") })}{" "}
        <Anchor component={Link} to={`/projects/${project}`} className="alert-link" underline="always">
          {t("account.delete.openProject")}
        </Anchor>
      </Alert>
    );
  }
  return (
    <Alert color="red" variant="light" role="alert">
      {typeof error.body.org_id === "string"
        ? t("account.delete.soleAdmin", { name: name("org_name") })
        : t("account.delete.conflict")}
    </Alert>
  );
}

function DeleteAccount() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const stepUp = useStepUp();
  const [password, setPassword] = useState("");
  const [sure, setSure] = useState(false);
  const remove = useMutation({
    mutationFn: () => stepUp(() => unwrap(api.DELETE("/me", { body: { password } }))),
    onSuccess: () => {
      // to a page outside RequireSession, which then forgets the session (doing it here
      // would let RequireSession send to the sign-in page first)
      void navigate("/account/deleted", { replace: true, state: { deleted: true } });
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    remove.mutate();
  };
  const error = remove.error;
  const wrong = wrongPassword(error);
  const conflict = error instanceof ApiProblem && error.code === "conflict" ? error : null;
  const mfa = error instanceof ApiProblem && error.code === "mfa_required";
  return (
    <form onSubmit={submit} aria-labelledby="delete-title">
      <Stack>
        <Title order={2} id="delete-title">
          {t("account.delete.title")}
        </Title>
        <Text>{t("account.delete.intro")}</Text>
        <ApiPasswordInput
          label={t("account.confirmPassword")}
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          refusal={error}
          field="password"
          error={wrong ? t("account.wrongPassword") : undefined}
        />
        <Checkbox
          label={t("account.delete.sure")}
          checked={sure}
          onChange={(event) => { setSure(event.currentTarget.checked); }}
        />
        {conflict && <Refusal error={conflict} />}
        {mfa && (
          <Alert color="red" variant="light" role="alert">
            {t("account.delete.mfaRequired")}
          </Alert>
        )}
        {!wrong && !conflict && !mfa && <ProblemAlert error={error} />}
        <Button type="submit" color="red" w="fit-content" disabled={!sure} loading={remove.isPending}>
          {t("account.delete.submit")}
        </Button>
      </Stack>
    </form>
  );
}
