// What the schedule's panels share: their texts (the `exchange` namespace,
// src/i18n/exchange.*.json), the query keys, the two file formats and the export.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { attachmentName, saveBlob } from "../account/download";
import { api, unwrap } from "../api/client";

export const NAMESPACE = "exchange";

/** The panels' texts: `t("revisions.title")` reads src/i18n/exchange.<language>.json. */
export function useT() {
  return useTranslation(NAMESPACE);
}

/** The formats the API exports and imports, with the media type an import is sent as. */
export const FORMATS = {
  xlsx: {
    extension: ".xlsx",
    mediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  },
  csv: { extension: ".csv", mediaType: "text/csv" },
} as const;
export type ExchangeFormat = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as ExchangeFormat[];

/** The format a file's name says (browsers disagree about a CSV file's `type`). */
export function formatOfFile(name: string): ExchangeFormat | null {
  const lowered = name.trim().toLowerCase();
  return FORMAT_NAMES.find((format) => lowered.endsWith(FORMATS[format].extension)) ?? null;
}

/** The schedule and everything read under it (rows, revisions, summary). */
export const scheduleKey = (projectId: string, scheduleId: string) =>
  ["projects", projectId, "schedules", scheduleId] as const;
export const revisionsKey = (projectId: string, scheduleId: string) =>
  [...scheduleKey(projectId, scheduleId), "revisions"] as const;

export function useSchedule(projectId: string, scheduleId: string) {
  return useQuery({
    queryKey: scheduleKey(projectId, scheduleId),
    queryFn: () =>
      unwrap(
        api.GET("/projects/{project_id}/schedules/{schedule_id}", {
          params: { path: { project_id: projectId, schedule_id: scheduleId } },
        }),
      ),
  });
}

/** The working revision (no `revisionId`) or an issued one as a file, saved under the
 * name the API gives it (Content-Disposition). */
export async function exportSchedule(
  projectId: string,
  scheduleId: string,
  format: ExchangeFormat,
  revisionId?: string,
): Promise<void> {
  let name = `export${FORMATS[format].extension}`;
  const file = await unwrap(
    api
      .GET("/projects/{project_id}/schedules/{schedule_id}/export", {
        params: {
          path: { project_id: projectId, schedule_id: scheduleId },
          query: { format, revision_id: revisionId ?? null },
        },
        parseAs: "blob",
      })
      .then((answer) => {
        name = attachmentName(answer.response.headers.get("Content-Disposition"), name);
        return answer;
      }),
  );
  saveBlob(name, file);
}
