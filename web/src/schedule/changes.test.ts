import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { POLL_MS, pollChanges, type ChangeFeed } from "./changes";

const REF = { projectId: "p", scheduleId: "s" };

function feed(since: number, seq: number, changes: Partial<ChangeFeed> = {}): ChangeFeed {
  return { schedule_id: "s", revision_id: "r", since, seq, rows: [], deleted: [], reload: false, ...changes };
}

describe("polling the change feed", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("asks from where the last answer ended, hands on only answers with changes, and stops", async () => {
    const asked: number[] = [];
    const answers = [feed(7, 7), feed(7, 9, { deleted: ["x"] }), feed(9, 9)];
    const applied: ChangeFeed[] = [];
    const stop = pollChanges(REF, 7, (changes) => applied.push(changes), (_, since) => {
      asked.push(since);
      return Promise.resolve(answers.shift() ?? feed(since, since));
    });
    for (let turn = 0; turn < 3; turn += 1) await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(asked).toEqual([7, 7, 9]);
    expect(applied.map((each) => each.deleted)).toEqual([["x"]]);
    stop();
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(asked).toHaveLength(3);
  });

  it("asks again from the same point after a failure, and passes a reload on", async () => {
    const asked: number[] = [];
    const applied: ChangeFeed[] = [];
    let fail = true;
    const stop = pollChanges(REF, 3, (changes) => applied.push(changes), (_, since) => {
      asked.push(since);
      if (fail) {
        fail = false;
        return Promise.reject(new Error("offline"));
      }
      return Promise.resolve(feed(since, 12, { reload: true }));
    });
    await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    expect(asked).toEqual([3, 3]);
    expect(applied.map((each) => each.reload)).toEqual([true]);
    stop();
  });
});
