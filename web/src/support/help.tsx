// Help on every page, signed in or not: the header's help button calls
// `useHelp().open()` (optionally with a topic such as "access_denial"), which opens a
// dialog with the support hours, the chat when there is one, and the ticket form. The
// dialog's content loads lazily, so the sign-in route carries only this file.
import { Button, Center, Loader, Modal } from "@mantine/core";
import {
  createContext,
  lazy,
  Suspense,
  useContext,
  useMemo,
  useState,
  type ReactNode,
} from "react";
import { useTranslation } from "react-i18next";
import "./support.css";

export interface Help {
  /** Open help, optionally about something (e.g. "access_denial"). */
  open: (topic?: string) => void;
}

const HelpContext = createContext<Help>({ open: () => undefined });

export function useHelp(): Help {
  return useContext(HelpContext);
}

const HelpPanel = lazy(async () => ({ default: (await import("./HelpPanel")).HelpPanel }));

export function HelpProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const [topic, setTopic] = useState<string | undefined>(undefined);
  // Each opening starts a fresh form (a new key), preset to its topic.
  const [opening, setOpening] = useState(0);
  const help = useMemo<Help>(
    () => ({
      open: (about?: string) => {
        setTopic(about);
        setOpening((count) => count + 1);
        setOpened(true);
      },
    }),
    [],
  );
  return (
    <HelpContext.Provider value={help}>
      {children}
      {/* lockScroll off: its scroll lock writes a <style> element, which the CSP refuses. */}
      <Modal
        opened={opened}
        onClose={() => { setOpened(false); }}
        title={t("support.title")}
        size="lg"
        lockScroll={false}
        closeButtonProps={{ "aria-label": t("support.close") }}
      >
        {opened && (
          <Suspense
            fallback={
              <Center>
                <Loader aria-label={t("support.loadingPanel")} role="status" />
              </Center>
            }
          >
            <HelpPanel key={opening} topic={topic} />
          </Suspense>
        )}
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
