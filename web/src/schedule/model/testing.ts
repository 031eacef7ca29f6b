// Rows for the model's unit tests: every field of the API's row, with defaults.
import { BLANK_ROW } from "./operations";
import type { Row } from "./tree";

export function row(fields: Partial<Row> & Pick<Row, "id">): Row {
  return {
    ...BLANK_ROW,
    title: `row ${fields.id}`,
    stable_key: `key-${fields.id}`,
    version: 1,
    ...fields,
  };
}

export function heading(id: string, parent_id: string | null, position: number): Row {
  return row({ id, parent_id, position, kind: "heading" });
}
