// The hook-point for support (built separately): the header's help button calls
// `useHelp().open()`. The support screens replace <HelpProvider> with one that opens
// the chat or the ticket form; until then a dialog says help is coming.
import { Button, Modal, Text } from "@mantine/core";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

export interface Help {
  /** Open help, optionally about something (e.g. "access_denial", a project id). */
  open: (topic?: string) => void;
}

const HelpContext = createContext<Help>({ open: () => undefined });

export function useHelp(): Help {
  return useContext(HelpContext);
}

/** The placeholder: a dialog. Support provides its own <HelpContext.Provider>. */
export function HelpProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const help = useMemo<Help>(() => ({ open: () => { setOpened(true); } }), []);
  return (
    <HelpContext.Provider value={help}>
      {children}
      {/* lockScroll off: its scroll lock writes a <style> element, which the CSP refuses. */}
      <Modal
        opened={opened}
        onClose={() => { setOpened(false); }}
        title={t("help.title")}
        lockScroll={false}
        closeButtonProps={{ "aria-label": t("help.close") }}
      >
        <Text mb="md">{t("help.placeholder")}</Text>
        <Button onClick={() => { setOpened(false); }}>{t("help.close")}</Button>
      </Modal>
    </HelpContext.Provider>
  );
}

export { HelpContext };

export function HelpButton() {
  const { t } = useTranslation();
  const help = useHelp();
  return (
    <Button variant="subtle" onClick={() => { help.open(); }}>
      {t("help.button")}
    </Button>
  );
}
