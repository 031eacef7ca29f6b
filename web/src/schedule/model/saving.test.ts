import { describe, expect, it } from "vitest";
import { ApiProblem } from "../../api/problem";
import { update, type Operation } from "./operations";
import { EditorSaving, type SavedAnswer, type Timers, type Transport } from "./saving";
import { heading, row } from "./testing";
import type { Row } from "./tree";

const ROWS = [heading("H", null, 1), row({ id: "a", parent_id: "H", position: 1, version: 3, note: null })];

/** A server in memory: answers what the test says, records what was sent. */
class FakeServer implements Transport {
  sent: { kind: "patch" | "batch"; version?: number; operations: readonly Operation[] }[] = [];
  answers: (() => Row[] | SavedAnswer | Promise<never>)[] = [];
  current: Row[] = ROWS;

  patch(operation: Operation & { op: "update" }, version: number): Promise<Row> {
    this.sent.push({ kind: "patch", version, operations: [operation] });
    return this.answer() as Promise<Row>;
  }
  batch(operations: readonly Operation[]): Promise<SavedAnswer> {
    this.sent.push({ kind: "batch", operations });
    return this.answer() as Promise<SavedAnswer>;
  }
  rows(): Promise<Row[]> {
    return Promise.resolve(this.current);
  }
  private async answer(): Promise<unknown> {
    const next = this.answers.shift();
    if (next === undefined) throw new Error("no answer set");
    const value = next();
    return Array.isArray(value) ? value[0] : value;
  }
}

class ManualTimers implements Timers {
  waiting: { ms: number; run: () => void }[] = [];
  after(ms: number, run: () => void): void {
    this.waiting.push({ ms, run });
  }
  runAll(): void {
    const now = this.waiting;
    this.waiting = [];
    for (const each of now) each.run();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const saved = (fields: Partial<Row>) => () => [row({ id: "a", parent_id: "H", position: 1, ...fields })];

describe("saving edits", () => {
  it("shows an edit at once and sends one cell as a PATCH with the version seen", async () => {
    const server = new FakeServer();
    server.answers.push(saved({ note: "ny", version: 4 }));
    const saving = new EditorSaving(ROWS, server, new ManualTimers());
    saving.edit([update("a", { note: "ny" })]);
    expect(saving.getSnapshot().shown.get("a")?.note).toBe("ny");
    expect(saving.getSnapshot().pending[0]?.state).toBe("saving");
    expect(saving.hasUnsaved).toBe(true);
    await settle();
    expect(server.sent).toEqual([{ kind: "patch", version: 3, operations: [update("a", { note: "ny" })] }]);
    expect(saving.hasUnsaved).toBe(false);
    expect(saving.getSnapshot().confirmed.get("a")?.version).toBe(4);
    expect(saving.getSnapshot().saved.has("a")).toBe(true);
  });

  it("sends the next edit of the same row with the version the first one saved", async () => {
    const server = new FakeServer();
    server.answers.push(saved({ note: "1", version: 4 }), saved({ note: "2", version: 5 }));
    const saving = new EditorSaving(ROWS, server, new ManualTimers());
    saving.edit([update("a", { note: "1" })]);
    saving.edit([update("a", { note: "2" })]); // made while the first is on its way
    await settle();
    await settle();
    expect(server.sent.map((each) => each.version)).toEqual([3, 4]);
    expect(saving.getSnapshot().shown.get("a")?.note).toBe("2");
  });

  it("keeps a save that failed on the way and tries it again", async () => {
    const server = new FakeServer();
    const timers = new ManualTimers();
    server.answers.push(() => Promise.reject(new ApiProblem({ status: 0, code: "network_error" })));
    const saving = new EditorSaving(ROWS, server, timers);
    saving.edit([update("a", { note: "x" })]);
    await settle();
    expect(saving.getSnapshot().pending[0]?.state).toBe("failed");
    expect(saving.getSnapshot().shown.get("a")?.note).toBe("x");
    server.answers.push(saved({ note: "x", version: 4 }));
    timers.runAll();
    await settle();
    expect(saving.hasUnsaved).toBe(false);
    expect(server.sent).toHaveLength(2);
  });

  it("shows a colleague's change (412) beside the person's value, and saves theirs or mine as chosen", async () => {
    const theirs = row({ id: "a", parent_id: "H", position: 1, note: "kollegans", version: 4 });
    const conflict = () =>
      Promise.reject(new ApiProblem({ status: 412, code: "precondition_failed", body: { current: theirs } }));
    for (const choice of ["mine", "theirs"] as const) {
      const server = new FakeServer();
      server.answers.push(conflict);
      const saving = new EditorSaving(ROWS, server, new ManualTimers());
      saving.edit([update("a", { note: "min" })]);
      await settle();
      const edit = saving.getSnapshot().pending[0];
      expect(edit?.state).toBe("conflict");
      expect(edit?.theirs[0]?.note).toBe("kollegans");
      expect(saving.getSnapshot().shown.get("a")?.note).toBe("min"); // nothing overwritten yet
      server.answers.push(saved({ note: "min", version: 5 }));
      saving.resolve(edit?.key ?? 0, choice);
      await settle();
      expect(saving.hasUnsaved).toBe(false);
      if (choice === "mine") {
        expect(server.sent.map((each) => each.version)).toEqual([3, 4]);
        expect(saving.getSnapshot().shown.get("a")?.note).toBe("min");
      } else {
        expect(server.sent).toHaveLength(1);
        expect(saving.getSnapshot().shown.get("a")?.note).toBe("kollegans");
      }
    }
  });

  it("reads the rows again when a batch meets a colleague's change", async () => {
    const server = new FakeServer();
    server.current = [ROWS[0] as Row, row({ id: "a", parent_id: "H", position: 1, note: "deras", version: 9 })];
    server.answers.push(() => Promise.reject(new ApiProblem({ status: 412, code: "precondition_failed" })));
    const saving = new EditorSaving(ROWS, server, new ManualTimers());
    saving.edit([update("a", { note: "min" }), update("H", { title: "Rubrik" })]);
    await settle();
    await settle();
    const edit = saving.getSnapshot().pending[0];
    expect(edit?.state).toBe("conflict");
    expect(edit?.theirs.find((each) => each.id === "a")?.note).toBe("deras");
  });

  it("keeps an edit the server refused until the person lets it go", async () => {
    const server = new FakeServer();
    server.answers.push(() => Promise.reject(new ApiProblem({ status: 400, code: "validation_error" })));
    const saving = new EditorSaving(ROWS, server, new ManualTimers());
    saving.edit([update("a", { unit: "fat" })]);
    await settle();
    const edit = saving.getSnapshot().pending[0];
    expect(edit?.state).toBe("refused");
    expect(saving.hasUnsaved).toBe(true);
    saving.discard(edit?.key ?? 0);
    expect(saving.getSnapshot().shown.get("a")?.unit).toBeNull();
  });

  it("merges colleagues' rows under the person's unsaved edit", async () => {
    const server = new FakeServer();
    server.answers.push(() => Promise.reject(new ApiProblem({ status: 503, code: "unavailable" })));
    const saving = new EditorSaving(ROWS, server, new ManualTimers());
    saving.edit([update("a", { note: "min" })]);
    await settle();
    saving.merge([row({ id: "a", parent_id: "H", position: 1, title: "Ny titel", version: 4 }), row({ id: "b", position: 5 })], []);
    const shown = saving.getSnapshot().shown;
    expect(shown.get("a")).toMatchObject({ note: "min", title: "Ny titel" });
    expect(shown.has("b")).toBe(true);
    saving.merge([], ["b"]);
    expect(saving.getSnapshot().shown.has("b")).toBe(false);
  });

  it("undoes and redoes through the same saving", async () => {
    const server = new FakeServer();
    server.answers.push(saved({ note: "x", version: 4 }), saved({ note: null, version: 5 }), saved({ note: "x", version: 6 }));
    const saving = new EditorSaving(ROWS, server, new ManualTimers());
    saving.edit([update("a", { note: "x" })]);
    await settle();
    saving.undo();
    await settle();
    expect(saving.getSnapshot().shown.get("a")?.note).toBeNull();
    saving.redo();
    await settle();
    expect(server.sent.map((each) => [each.version, each.operations[0]])).toEqual([
      [3, update("a", { note: "x" })],
      [4, update("a", { note: null })],
      [5, update("a", { note: "x" })],
    ]);
  });
});
