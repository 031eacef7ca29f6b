// Leaving the editor with edits not yet saved asks first: the browser's own question
// when the page closes or reloads, ours when the app navigates away.
import { Button, Group, Modal } from "@mantine/core";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useBlocker } from "react-router";

export function LeaveGuard({ unsaved }: { unsaved: boolean }) {
  const { t } = useTranslation("schedule");
  const blocker = useBlocker(unsaved);
  useEffect(() => {
    if (!unsaved) return;
    const ask = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener("beforeunload", ask);
    return () => { window.removeEventListener("beforeunload", ask); };
  }, [unsaved]);
  return (
    <Modal
      opened={blocker.state === "blocked"}
      onClose={() => { blocker.reset?.(); }}
      title={t("save.leave")}
      lockScroll={false}
      withCloseButton={false}
    >
      <Group mt="md">
        <Button onClick={() => { blocker.reset?.(); }}>{t("save.stay")}</Button>
        <Button variant="outline" color="red" onClick={() => { blocker.proceed?.(); }}>
          {t("save.leaveAnyway")}
        </Button>
      </Group>
    </Modal>
  );
}
