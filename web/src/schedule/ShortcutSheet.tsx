// The shortcut sheet (`?`), made from the keyboard table itself (model/keyboard.ts).
import { Button, Modal, Table } from "@mantine/core";
import { Fragment } from "react";
import { useTranslation } from "react-i18next";
import { shortcutSheet, type Platform } from "./model/keyboard";

export function ShortcutSheet({ opened, onClose, platform }: { opened: boolean; onClose: () => void; platform: Platform }) {
  const { t } = useTranslation("schedule");
  return (
    // lockScroll off: Mantine's scroll lock writes a <style>, which the CSP refuses.
    <Modal
      opened={opened}
      onClose={onClose}
      title={t("shortcuts.title")}
      lockScroll={false}
      size="lg"
      closeButtonProps={{ "aria-label": t("shortcuts.close") }}
    >
      <Table className="schedule-shortcut-keys">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("shortcuts.action")}</Table.Th>
            <Table.Th>{t("shortcuts.keys")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shortcutSheet(platform).map((entry) => (
            <Table.Tr key={entry.command}>
              <Table.Td>{t(`shortcuts.commands.${entry.command}`)}</Table.Td>
              <Table.Td>
                {entry.keys.map((key, index) => (
                  <Fragment key={key}>
                    {index > 0 && ` ${t("shortcuts.or")} `}
                    <kbd>{key}</kbd>
                  </Fragment>
                ))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Button mt="md" onClick={onClose}>
        {t("shortcuts.close")}
      </Button>
    </Modal>
  );
}
