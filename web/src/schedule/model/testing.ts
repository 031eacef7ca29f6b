// Rows for the model's unit tests: every field of the API's row, with defaults.
import type { Row } from "./tree";

export function row(fields: Partial<Row> & Pick<Row, "id">): Row {
  return {
    parent_id: null,
    position: 0,
    kind: "item",
    code: null,
    title: `row ${fields.id}`,
    description: null,
    unit: null,
    quantity: null,
    unit_price: null,
    amount: null,
    entry_rule: "normal",
    regulation: null,
    cost_bearer: null,
    note: null,
    stable_key: `key-${fields.id}`,
    version: 1,
    ...fields,
  };
}

export function heading(id: string, parent_id: string | null, position: number): Row {
  return row({ id, parent_id, position, kind: "heading" });
}
