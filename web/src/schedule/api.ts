// The editor's calls of the API. The generated body types mark every field with a
// default as required, which a PATCH or an operation must be free to leave out (a field
// left out is unchanged): operations go out as the model builds them, typed here once.
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { contentOf, type Operation, type RowContent } from "./model/operations";
import type { Transport } from "./model/saving";
import type { Row } from "./model/tree";

type BatchIn = components["schemas"]["BatchIn"];
type RowPatch = components["schemas"]["RowPatch"];
export type BatchOut = components["schemas"]["BatchOut"];
export type RowOut = components["schemas"]["RowOut"];
export type UnitOut = components["schemas"]["UnitOut"];
export type Comparison = components["schemas"]["Comparison"];

export interface ScheduleRef {
  projectId: string;
  scheduleId: string;
}

function path(ref: ScheduleRef) {
  return { project_id: ref.projectId, schedule_id: ref.scheduleId };
}

export interface RowsRead {
  rows: Row[];
  /** The point of the schedule's change sequence the rows were read at (for the feed). */
  changeSeq: number | null;
}

/** The rows of the working revision (or an issued one), in tree order. */
export async function fetchRows(ref: ScheduleRef, revisionId: string | null): Promise<RowsRead> {
  const list = await unwrap(
    api.GET("/projects/{project_id}/schedules/{schedule_id}/rows", {
      params: { path: path(ref), query: revisionId === null ? {} : { revision_id: revisionId } },
    }),
  );
  return { rows: list.items, changeSeq: list.change_seq };
}

/** One row's content changed, If-Match its version: a 412 carries the current row. */
export function patchRow(ref: ScheduleRef, id: string, version: number, content: RowContent): Promise<RowOut> {
  return unwrap(
    api.PATCH("/projects/{project_id}/schedules/{schedule_id}/rows/{row_id}", {
      params: { path: { ...path(ref), row_id: id }, header: { "If-Match": `"${String(version)}"` } },
      body: content as RowPatch,
    }),
  );
}

/** Operations in one transaction, all or nothing; each names the version it expects. */
export function sendBatch(ref: ScheduleRef, operations: readonly Operation[]): Promise<BatchOut> {
  return unwrap(
    api.POST("/projects/{project_id}/schedules/{schedule_id}/rows/batch", {
      params: { path: path(ref) },
      body: { operations } as unknown as BatchIn,
    }),
  );
}

export async function fetchUnits(): Promise<UnitOut[]> {
  return (await unwrap(api.GET("/units"))).items;
}

/** Two revisions' differences (`working` names the working one). */
export function fetchComparison(ref: ScheduleRef, from: string, to: string): Promise<Comparison> {
  return unwrap(
    api.GET("/projects/{project_id}/schedules/{schedule_id}/compare", {
      params: { path: path(ref), query: { from, to } },
    }),
  );
}

/** The editor's saving over these calls. */
export function transportFor(ref: ScheduleRef): Transport {
  return {
    patch: (operation, version) => patchRow(ref, operation.id, version, contentOf(operation)),
    batch: (operations) => sendBatch(ref, operations),
    rows: async () => (await fetchRows(ref, null)).rows,
  };
}

export async function fetchRevisionLabel(ref: ScheduleRef, revisionId: string): Promise<string | null> {
  const list = await unwrap(
    api.GET("/projects/{project_id}/schedules/{schedule_id}/revisions", {
      params: { path: path(ref), query: { limit: 500 } },
    }),
  );
  return list.items.find((revision) => revision.id === revisionId)?.label ?? null;
}
