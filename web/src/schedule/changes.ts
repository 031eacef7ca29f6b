// Colleagues' changes without a reload: GET .../changes?since=<seq> answers the rows
// changed and the ids deleted after that point of the schedule's change sequence (GET
// .../rows tells the point it was read at, `change_seq`), or `reload` when the gap is
// too old to tell. Polled every few seconds while the page is open.
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import type { ScheduleRef } from "./api";

export type ChangeFeed = components["schemas"]["RowChanges"];

/** How often to ask, in ms: a colleague's edit shows within this (and the answer's time). */
export const POLL_MS = 4000;

export function fetchChanges(ref: ScheduleRef, since: number): Promise<ChangeFeed> {
  return unwrap(
    api.GET("/projects/{project_id}/schedules/{schedule_id}/changes", {
      params: { path: { project_id: ref.projectId, schedule_id: ref.scheduleId }, query: { since } },
    }),
  );
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
