// The frame of every screen: a skip link, the header (name, navigation, language,
// help, sign-in state) and the main region the route fills.
import { Button, Group, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { signedOut, useSession } from "../api/session";
import { currentLanguage, isLanguage, rememberLanguage } from "../i18n";
import { HelpButton } from "../support/help";
import { LanguageSwitch } from "./LanguageSwitch";

export function Layout() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const user = session.data?.user;
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  // Signed in, the profile's language wins.
  const profileLocale = user?.locale;
  useEffect(() => {
    if (isLanguage(profileLocale) && profileLocale !== currentLanguage()) {
      rememberLanguage(profileLocale);
      void i18n.changeLanguage(profileLocale);
    }
  }, [profileLocale, i18n]);

  const signOut = useMutation({
    mutationFn: () => unwrap(api.POST("/auth/logout")),
    onSettled: () => {
      // RequireSession, still showing while the route changes, sends to the same place.
      signedOut(queryClient, true);
      void navigate("/sign-in?signed_out=1");
    },
  });

  return (
    // Not Mantine's AppShell: it writes a <style> element, which the CSP refuses (as do
    // Flex, Grid and SimpleGrid with responsive props).
    <div className="app-frame">
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="app-header">
          <Group gap="lg">
            <Link to="/" className="app-brand">
              {t("app.name")}
            </Link>
            {user && (
              <nav aria-label={t("app.mainNav")}>
                <Button component={Link} to="/projects" variant="subtle">
                  {t("nav.projects")}
                </Button>
                <Button component={Link} to="/orgs" variant="subtle">
                  {t("projects:nav.orgs")}
                </Button>
                <Button component={Link} to="/account" variant="subtle">
                  {t("account.nav")}
                </Button>
                {user.platform_admin && (
                  <Button component={Link} to="/admin" variant="subtle">
                    {t("admin.nav")}
                  </Button>
                )}
              </nav>
            )}
          </Group>
          <Group gap="xs">
            {user && (
              <Text size="sm" c="dimmed">
                {t("header.signedInAs", { name: user.display_name })}
              </Text>
            )}
            <LanguageSwitch />
            <HelpButton />
            {user ? (
              <Button variant="outline" loading={signOut.isPending} onClick={() => { signOut.mutate(); }}>
                {t("header.signOut")}
              </Button>
            ) : (
              <Button component={Link} to="/sign-in" variant="outline">
                {t("header.signIn")}
              </Button>
            )}
          </Group>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
