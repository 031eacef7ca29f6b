// Svenska ⇄ English. Signed in, the choice is saved to the profile (PATCH /api/me).
import { Button } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { SESSION_KEY, useSession, type SessionView } from "../api/session";
import { currentLanguage, rememberLanguage, type Language } from "../i18n";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (locale: Language) => unwrap(api.PATCH("/me", { body: { locale } })),
    onSuccess: (profile) => {
      queryClient.setQueryData<SessionView | null>(SESSION_KEY, (view) =>
        view ? { ...view, user: { ...view.user, locale: profile.locale } } : view,
      );
    },
  });
  const other: Language = currentLanguage() === "sv" ? "en" : "sv";
  return (
    <Button
      variant="default"
      lang={other}
      title={t("language.switchLabel")}
      onClick={() => {
        rememberLanguage(other);
        void i18n.changeLanguage(other);
        if (session.data) save.mutate(other);
      }}
    >
      {t("language.switchTo")}
    </Button>
  );
}
