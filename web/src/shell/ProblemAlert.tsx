// A refusal shown to the person: the message for its code (src/api/problem.ts), said
// by screen readers as it appears.
import { Alert } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { problemMessage } from "../api/problem";

export function ProblemAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  const message = problemMessage(error);
  return (
    <Alert color="red" role="alert" variant="light">
      {t(message.key, message.values)}
    </Alert>
  );
}
