// Name and language (PATCH /api/me). The language is the app's and the e-mails'.
import { Alert, Button, Loader, Radio, Stack, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { SESSION_KEY, type SessionView } from "../api/session";
import { isLanguage, rememberLanguage, type Language } from "../i18n";
import { ProblemAlert } from "../shell/ProblemAlert";
import { fieldError } from "../shell/forms";

export const ME_KEY = ["account", "me"] as const;

export function ProfileSection() {
  const { t } = useTranslation();
  const me = useQuery({ queryKey: ME_KEY, queryFn: () => unwrap(api.GET("/me")) });
  if (me.isPending) return <Loader aria-label={t("common.loading")} role="status" />;
  if (me.isError) return <ProblemAlert error={me.error} />;
  return <ProfileForm key={me.data.id} name={me.data.display_name} locale={me.data.locale} email={me.data.email} />;
}

function ProfileForm({ name, locale, email }: { name: string; locale: Language; email: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState(name);
  const [language, setLanguage] = useState<Language>(locale);
  const save = useMutation({
    mutationFn: () =>
      unwrap(api.PATCH("/me", { body: { display_name: displayName.trim(), locale: language } })),
    onSuccess: (profile) => {
      queryClient.setQueryData(ME_KEY, profile);
      queryClient.setQueryData<SessionView | null>(SESSION_KEY, (view) =>
        view ? { ...view, user: profile } : view,
      );
      rememberLanguage(profile.locale);
      void i18n.changeLanguage(profile.locale);
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} aria-labelledby="profile-title">
      <Stack className="account-form">
        <Title order={2} id="profile-title">
          {t("account.profile.title")}
        </Title>
        <TextInput label={t("common.email")} value={email} readOnly />
        <TextInput
          label={t("account.profile.displayName")}
          required
          maxLength={200}
          value={displayName}
          onChange={(event) => {
            setDisplayName(event.currentTarget.value);
            save.reset();
          }}
          error={fieldError(save.error, "display_name")}
        />
        <Radio.Group
          label={t("account.profile.language")}
          description={t("account.profile.languageHint")}
          value={language}
          onChange={(value) => {
            if (isLanguage(value)) setLanguage(value);
            save.reset();
          }}
          error={fieldError(save.error, "locale")}
        >
          <Stack gap="xs" mt="xs">
            <Radio value="sv" label="Svenska" lang="sv" />
            <Radio value="en" label="English" lang="en" />
          </Stack>
        </Radio.Group>
        <ProblemAlert error={save.error} />
        {save.isSuccess && (
          <Alert color="green" variant="light" role="status">
            {t("account.profile.saved")}
          </Alert>
        )}
        <Button type="submit" w="fit-content" loading={save.isPending}>
          {t("account.profile.save")}
        </Button>
      </Stack>
    </form>
  );
}
