// Ten recovery codes, shown once: a list, copy to the clipboard, download as a text file.
import { Alert, Button, Code, Group, List, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { downloadFile } from "./download";

export function RecoveryCodesShown({ codes, onDone }: { codes: readonly string[]; onDone: () => void }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const text = `${t("account.recovery.fileHeading")}\n\n${codes.join("\n")}\n`;
  return (
    <Stack aria-labelledby="recovery-codes-title" component="section">
      <Title order={3} id="recovery-codes-title">
        {t("account.recovery.shownTitle")}
      </Title>
      <Alert color="yellow" variant="light">
        {t("account.recovery.shownOnce")}
      </Alert>
      <List aria-label={t("account.recovery.listLabel")} className="recovery-codes">
        {codes.map((code) => (
          <List.Item key={code}>
            <Code>{code}</Code>
          </List.Item>
        ))}
      </List>
      <Group>
        <Button
          variant="default"
          onClick={() => {
            navigator.clipboard.writeText(codes.join("\n")).then(
              () => { setCopied("yes"); },
              () => { setCopied("no"); },
            );
          }}
        >
          {t("account.recovery.copy")}
        </Button>
        <Button
          variant="default"
          onClick={() => { downloadFile("casai-recovery-codes.txt", text, "text/plain;charset=utf-8"); }}
        >
          {t("account.recovery.download")}
        </Button>
        <Button onClick={onDone}>{t("account.recovery.done")}</Button>
      </Group>
      <Text size="sm" role="status">
        {copied === "yes" ? t("account.recovery.copied") : copied === "no" ? t("account.recovery.copyFailed") : ""}
      </Text>
    </Stack>
  );
}
