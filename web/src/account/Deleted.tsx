// After the account was deleted: what happened, and a way to the sign-in page.
import { Button, Stack, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { signedOut } from "../api/session";

function justDeleted(state: unknown): boolean {
  return typeof state === "object" && state !== null && "deleted" in state && state.deleted === true;
}

export function Deleted() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const location = useLocation();
  const deleted = justDeleted(location.state as unknown);
  useEffect(() => {
    // the server ended every session and cleared the cookie; the app forgets it too
    if (deleted) signedOut(queryClient, true);
  }, [deleted, queryClient]);
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
