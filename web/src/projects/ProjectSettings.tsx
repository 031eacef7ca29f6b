// Settings: name, number and description (PATCH /api/projects/{id}, `project.edit`) and
// the second-factor policy (PUT /api/projects/{id}/security, `project.security`).
import { Alert, Button, Checkbox, Stack, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { api, unwrap } from "../api/client";
import { fieldError } from "../shell/forms";
import { ApiTextInput } from "../shell/fields";
import { Refusal, projectKey, useT, type ProjectOut } from "./common";

export function ProjectSettings({ project }: { project: ProjectOut }) {
  const { t } = useT();
  const queryClient = useQueryClient();
  const canEdit = project.my_permissions.includes("project.edit");
  const canSecure = project.my_permissions.includes("project.security");
  const [name, setName] = useState(project.name);
  const [number, setNumber] = useState(project.number ?? "");
  const [description, setDescription] = useState(project.description ?? "");
  const [require2fa, setRequire2fa] = useState(project.require_2fa);
  const [requireTotp, setRequireTotp] = useState(project.require_totp);
  const path = { project_id: project.id };
  const saved = (answer: ProjectOut) => {
    queryClient.setQueryData(projectKey(project.id), answer);
    void queryClient.invalidateQueries({ queryKey: ["projects"], exact: true });
  };
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/projects/{project_id}", {
          params: { path },
          body: { name, number: number.trim() || null, description: description.trim() || null },
        }),
      ),
    onSuccess: saved,
  });
  const secure = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/projects/{project_id}/security", {
          params: { path },
          body: { require_2fa: require2fa || requireTotp, require_totp: requireTotp },
        }),
      ),
    onSuccess: saved,
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const submitSecurity = (event: SyntheticEvent) => {
    event.preventDefault();
    secure.mutate();
  };
  return (
    <Stack maw="40rem" gap="xl">
      <form onSubmit={submit} aria-labelledby="settings-title">
        <Stack>
          <Title order={2} id="settings-title">
            {t("settings.title")}
          </Title>
          <Refusal error={save.error} />
          {save.isSuccess && (
            <Alert color="green" variant="light" role="status">
              {t("settings.saved")}
            </Alert>
          )}
          <ApiTextInput
            label={t("create.name")}
            required
            disabled={!canEdit}
            value={name}
            onValue={setName}
            refusal={save.error}
            field="name"
          />
          <ApiTextInput
            label={t("create.number")}
            disabled={!canEdit}
            value={number}
            onValue={setNumber}
            refusal={save.error}
            field="number"
          />
          <Textarea
            label={t("create.description")}
            disabled={!canEdit}
            value={description}
            onChange={(event) => { setDescription(event.currentTarget.value); }}
            error={fieldError(save.error, "description")}
          />
          {canEdit && (
            <Button type="submit" loading={save.isPending} w="fit-content">
              {t("settings.save")}
            </Button>
          )}
        </Stack>
      </form>
      <form onSubmit={submitSecurity} aria-labelledby="security-title">
        <Stack>
          <Title order={2} id="security-title">
            {t("settings.securityTitle")}
          </Title>
          <Refusal error={secure.error} explain={{ forbidden: "settings.securityForbidden" }} />
          {secure.isSuccess && (
            <Alert color="green" variant="light" role="status">
              {t("settings.securitySaved")}
            </Alert>
          )}
          <Checkbox
            label={t("settings.require2fa")}
            description={t("settings.require2faHint")}
            disabled={!canSecure || requireTotp}
            checked={require2fa || requireTotp}
            onChange={(event) => { setRequire2fa(event.currentTarget.checked); }}
          />
          <Checkbox
            label={t("settings.requireTotp")}
            description={t("settings.requireTotpHint")}
            disabled={!canSecure}
            checked={requireTotp}
            onChange={(event) => { setRequireTotp(event.currentTarget.checked); }}
          />
          {canSecure && (
            <Button type="submit" loading={secure.isPending} w="fit-content">
              {t("settings.saveSecurity")}
            </Button>
          )}
        </Stack>
      </form>
    </Stack>
  );
}
