// No blank screen: a failing screen shows what happened and a way back.
import { Button, Group, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, isRouteErrorResponse, useRouteError } from "react-router";
import { ProblemAlert } from "./ProblemAlert";
import { ApiProblem } from "../api/problem";

export function RouteError() {
  const { t } = useTranslation();
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound />;
  console.error(error);
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="error-title">
      <Title order={1} id="error-title">
        {t("error.title")}
      </Title>
      <Text>{t("error.body")}</Text>
      {error instanceof ApiProblem && <ProblemAlert error={error} />}
      <Group>
        <Button component={Link} to="/" reloadDocument>
          {t("common.backHome")}
        </Button>
        <Button variant="default" onClick={() => { window.location.reload(); }}>
          {t("error.reload")}
        </Button>
      </Group>
    </Stack>
  );
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Stack className="screen-narrow" component="section" aria-labelledby="not-found-title">
      <Title order={1} id="not-found-title">
        {t("notFound.title")}
      </Title>
      <Text>{t("notFound.body")}</Text>
      <Button component={Link} to="/" w="fit-content">
        {t("common.backHome")}
      </Button>
    </Stack>
  );
}
