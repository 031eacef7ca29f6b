// Colleagues' changes without a reload: GET .../changes?since=<seq> answers the rows
// changed and the ids deleted after that point of the schedule's change sequence (GET
// .../rows tells the point it was read at, `change_seq`), or `reload` when the gap is
// too old to tell. Polled every few seconds while the page is open.
import { problemFrom } from "../api/problem";
import type { ScheduleRef } from "./api";
import type { Row } from "./model/tree";

export interface ChangeFeed {
  schedule_id: string;
  revision_id: string;
  since: number;
  seq: number;
  rows: Row[];
  deleted: string[];
  reload: boolean;
}

/** How often to ask, in ms: a colleague's edit shows within this (and the answer's time). */
export const POLL_MS = 4000;

export async function fetchChanges(ref: ScheduleRef, since: number): Promise<ChangeFeed> {
  const url =
    `/api/projects/${encodeURIComponent(ref.projectId)}/schedules/` +
    `${encodeURIComponent(ref.scheduleId)}/changes?since=${String(since)}`;
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw problemFrom(response, body);
  return body as ChangeFeed;
}

/** The point of the change sequence a GET .../rows answer was read at, when it says. */
export function changeSeqOf(answer: unknown): number | null {
  if (typeof answer !== "object" || answer === null || !("change_seq" in answer)) return null;
  return typeof answer.change_seq === "number" ? answer.change_seq : null;
}

/**
 * Ask for changes since `seq` every POLL_MS until stopped, handing each answer with
 * something in it to `apply`. A failed ask is tried again at the next turn.
 */
export function pollChanges(
  ref: ScheduleRef,
  seq: number,
  apply: (feed: ChangeFeed) => void,
  fetcher: typeof fetchChanges = fetchChanges,
): () => void {
  let since = seq;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const turn = async () => {
    try {
      const feed = await fetcher(ref, since);
      if (stopped) return;
      since = feed.seq;
      if (feed.reload || feed.rows.length > 0 || feed.deleted.length > 0) apply(feed);
    } catch {
      // offline or a hiccup: the next turn asks again from the same point
    }
    if (!stopped) timer = setTimeout(() => void turn(), POLL_MS);
  };
  timer = setTimeout(() => void turn(), POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
