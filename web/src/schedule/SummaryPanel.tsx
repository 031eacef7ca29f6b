// The sammanställning beside the grid, worked out in the browser from the rows on
// screen (src/schedule/model/money.ts, exactly as the server does), so it follows every
// edit at once.
import { Stack, Table, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { formatInteger, formatMoney, intlLocale } from "../format";
import type { Totals } from "./model/money";
import type { ScheduleTree } from "./model/tree";

export function SummaryPanel({ totals, tree, currency }: { totals: Totals; tree: ScheduleTree; currency: string }) {
  const { t, i18n } = useTranslation("schedule");
  const locale = intlLocale(i18n.language);
  const money = (value: Totals["total"]) => formatMoney(value, currency, locale);
  const top = totals.headings.filter((heading) => heading.depth === 0);
  return (
    <Stack component="section" aria-labelledby="summary-title" className="schedule-summary" gap="xs">
      <Title order={2} id="summary-title" size="h3">
        {t("summary.title")}
      </Title>
      <Text fw={700} data-testid="summary-total">
        {t("summary.total")}: {money(totals.total)}
      </Text>
      <Text>
        {t("summary.priced")}: <span data-testid="summary-priced">{formatInteger(totals.pricedItems, locale)}</span>
        {" · "}
        {t("summary.unpriced")}: <span data-testid="summary-unpriced">{formatInteger(totals.unpricedItems, locale)}</span>
      </Text>
      {top.length > 0 && (
        <Table aria-label={t("summary.byHeading")} data-testid="summary-headings">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("summary.heading")}</Table.Th>
              <Table.Th>{t("summary.sum")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {top.map((heading) => {
              const row = tree.get(heading.id);
              return (
                <Table.Tr key={heading.id}>
                  <Table.Td>{[row?.code, row?.title].filter(Boolean).join(" ")}</Table.Td>
                  <Table.Td>{money(heading.total)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {totals.costBearers.length > 0 && (
        <Table aria-label={t("summary.byBearer")} data-testid="summary-bearers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("summary.bearer")}</Table.Th>
              <Table.Th>{t("summary.sum")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {totals.costBearers.map((bearer) => (
              <Table.Tr key={bearer.costBearer ?? ""}>
                <Table.Td>{bearer.costBearer ?? t("summary.noBearer")}</Table.Td>
                <Table.Td>{money(bearer.total)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
