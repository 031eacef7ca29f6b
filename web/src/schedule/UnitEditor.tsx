// The Enhet cell's editor: a text field with the units of GET /api/units to pick from
// (a native datalist: type "m3" or choose), read like a pasted unit (code or symbol).
import type { CustomCellEditorProps } from "ag-grid-react";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { GridRow } from "./ScheduleGrid";

export const UNITS_LIST_ID = "schedule-units";

export function UnitEditor(props: CustomCellEditorProps<GridRow, string>) {
  const { t } = useTranslation("schedule");
  const field = useRef<HTMLInputElement>(null);
  const { eventKey, onValueChange } = props;
  useEffect(() => {
    field.current?.focus();
    // Typing a letter on the cell starts the edit with that letter, as in the other cells.
    if (eventKey !== null && eventKey.length === 1) onValueChange(eventKey);
  }, [eventKey, onValueChange]);
  return (
    <input
      ref={field}
      className="ag-input-field-input ag-text-field-input schedule-unit-input"
      list={UNITS_LIST_ID}
      aria-label={t("columns.unit")}
      value={props.value ?? ""}
      onChange={(event) => { onValueChange(event.target.value); }}
    />
  );
}
