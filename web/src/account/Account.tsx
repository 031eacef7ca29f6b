// The account page (/account): a tab per part — profile and language, password,
// two-factor, sessions, security log, and the person's data (export, deletion). The
// open tab is in the address (?tab=), so a link or a reload opens the same one.
import { Stack, Tabs, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { DataSection } from "./DataSection";
import { PasswordSection } from "./PasswordSection";
import { ProfileSection } from "./ProfileSection";
import { SecurityLogSection } from "./SecurityLogSection";
import { SessionsSection } from "./SessionsSection";
import { TwoFactorSection } from "./TwoFactorSection";

export const TABS = ["profile", "password", "two-factor", "sessions", "log", "data"] as const;
type Tab = (typeof TABS)[number];

function isTab(value: string | null): value is Tab {
  return TABS.some((each) => each === value);
}

export function Account() {
  const { t } = useTranslation();
  const [search, setSearch] = useSearchParams();
  const wanted = search.get("tab");
  const tab: Tab = isTab(wanted) ? wanted : "profile";
  return (
    <Stack component="section" aria-labelledby="account-title">
      <Title order={1} id="account-title">
        {t("account.title")}
      </Title>
      <Tabs
        value={tab}
        keepMounted={false}
        onChange={(value) => {
          if (isTab(value)) setSearch({ tab: value }, { replace: true });
        }}
      >
        <Tabs.List aria-label={t("account.sections")}>
          {TABS.map((each) => (
            <Tabs.Tab key={each} value={each}>
              {t(`account.tab.${each}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="profile" pt="md">
          <ProfileSection />
        </Tabs.Panel>
        <Tabs.Panel value="password" pt="md">
          <PasswordSection />
        </Tabs.Panel>
        <Tabs.Panel value="two-factor" pt="md">
          <TwoFactorSection />
        </Tabs.Panel>
        <Tabs.Panel value="sessions" pt="md">
          <SessionsSection />
        </Tabs.Panel>
        <Tabs.Panel value="log" pt="md">
          <SecurityLogSection />
        </Tabs.Panel>
        <Tabs.Panel value="data" pt="md">
          <DataSection />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
