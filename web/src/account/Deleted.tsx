// After the account was deleted: what happened, and a way to the sign-in page.
import { Button, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

export function Deleted() {
  const { t } = useTranslation();
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="deleted-title">
      <Title order={1} id="deleted-title">
        {t("account.deleted.title")}
      </Title>
      <Text role="status">{t("account.deleted.body")}</Text>
      <Button component={Link} to="/sign-in" w="fit-content">
        {t("header.signIn")}
      </Button>
    </Stack>
  );
}
