// A field's value in words for the panels (conflicts, comparisons): numbers the
// Swedish way, rules by name (fyrstreckad as four dashes), empty said as empty.
import type { TFunction } from "i18next";
import { columnSpec, FOUR_DASHES, type ColumnId } from "./model/cells";
import { displayNumber } from "./model/numbers";

export function fieldText(column: ColumnId, value: string | null, locale: string, t: TFunction<"schedule">): string {
  if (value === null || value === "") return t("conflict.empty");
  const spec = columnSpec(column);
  if (spec.type === "number") return displayNumber(value, spec.numberKind ?? "amount", locale);
  if (spec.type === "rule") return value === "included_elsewhere" ? FOUR_DASHES : t(`rules.${value}`);
  return value;
}
