// The editor's state between the person and the server: the rows as the server last
// said (`confirmed`), the person's edits not yet saved on top (`shown`), and what
// became of each edit. Every edit names the versions the person saw: a colleague's
// change in between makes it a conflict (412) shown beside the person's value until
// they choose, never an overwrite; an edit that failed on the way stays and is tried
// again; an edit the server refused stays until the person lets it go.
import { ApiProblem } from "../../api/problem";
import { applyOperations, contentOf, withVersions, type Operation } from "./operations";
import { ScheduleTree, type Row } from "./tree";
import { UndoHistory } from "./undo";

export type EditState = "queued" | "saving" | "failed" | "refused" | "conflict";

export interface PendingEdit {
  key: number;
  operations: readonly Operation[];
  /** The version of each existing row the person saw when editing (0: not saved yet). */
  base: ReadonlyMap<string, number>;
  state: EditState;
  problem: ApiProblem | null;
  /** A conflict: the rows as the colleague left them (a deleted row is missing). */
  theirs: readonly Row[];
  attempts: number;
}

export interface SavedAnswer {
  rows: readonly Row[];
}

/** How edits reach the server (src/schedule/api.ts; a fake in the tests). */
export interface Transport {
  /** One row's content, If-Match `version`; a 412's problem carries `current`. */
  patch(operation: Operation & { op: "update" }, version: number): Promise<Row>;
  batch(operations: readonly Operation[]): Promise<SavedAnswer>;
  /** All rows again, after a batch met a colleague's change. */
  rows(): Promise<Row[]>;
}

export interface Timers {
  after(ms: number, run: () => void): void;
}

export interface SavingSnapshot {
  confirmed: ScheduleTree;
  shown: ScheduleTree;
  pending: readonly PendingEdit[];
  /** Rows saved a moment ago (their "saved" mark). */
  saved: ReadonlySet<string>;
  canUndo: boolean;
  canRedo: boolean;
}

/** Waits before trying a failed save again, in seconds, the last one repeated. */
export const RETRY_SECONDS = [1, 2, 5, 10, 30] as const;
const SAVED_MARK_MS = 3000;

const browserTimers: Timers = {
  after(ms, run) {
    setTimeout(run, ms);
  },
};

export class EditorSaving {
  private confirmed: ScheduleTree;
  private pending: PendingEdit[] = [];
  private saved = new Set<string>();
  private readonly history = new UndoHistory();
  private readonly listeners = new Set<() => void>();
  private snapshot: SavingSnapshot;
  private nextKey = 1;
  private sending = false;

  constructor(
    rows: readonly Row[],
    private readonly transport: Transport,
    private readonly timers: Timers = browserTimers,
  ) {
    this.confirmed = ScheduleTree.build(rows);
    this.snapshot = this.makeSnapshot();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SavingSnapshot => this.snapshot;

  /** Whether leaving now would lose an edit. */
  get hasUnsaved(): boolean {
    return this.pending.length > 0;
  }

  /** The person's edit: shown at once, undoable as one step, saved in turn. */
  edit(operations: readonly Operation[]): void {
    if (operations.length === 0) return;
    this.history.record(this.snapshot.shown, operations);
    this.enqueue(operations);
  }

  undo(): void {
    const operations = this.history.undo();
    if (operations !== null) this.enqueue(operations);
  }

  redo(): void {
    const operations = this.history.redo();
    if (operations !== null) this.enqueue(operations);
  }

  /** Colleagues' changes (the change feed): the person's unsaved edits stay on top. */
  merge(rows: readonly Row[], deleted: readonly string[]): void {
    if (rows.length === 0 && deleted.length === 0) return;
    this.confirmed = this.confirmed.withRows(rows).without(deleted);
    this.changed();
  }

  /** Every row afresh (the feed asked for a reload). */
  replace(rows: readonly Row[]): void {
    this.confirmed = ScheduleTree.build(rows);
    this.changed();
  }

  /** A conflict settled: "mine" saves the person's edit over the colleague's, "theirs" drops it. */
  resolve(key: number, choice: "mine" | "theirs"): void {
    const edit = this.pending.find((each) => each.key === key);
    if (edit?.state !== "conflict") return;
    if (choice === "theirs") {
      this.drop(key);
      return;
    }
    const base = new Map(edit.base);
    for (const row of edit.theirs) base.set(row.id, row.version);
    this.update(key, { base, state: "queued", theirs: [], problem: null });
    this.pump();
  }

  /** A refused edit let go (its values leave the screen). */
  discard(key: number): void {
    this.drop(key);
  }

  /** Try the failed edits again now rather than at their time. */
  retryNow(): void {
    for (const edit of this.pending) if (edit.state === "failed") this.update(edit.key, { state: "queued" });
    this.pump();
  }

  private enqueue(operations: readonly Operation[]): void {
    const base = new Map<string, number>();
    for (const operation of operations) {
      const row = this.snapshot.shown.get(operation.id);
      if (operation.op !== "create" && row !== undefined && !base.has(row.id)) base.set(row.id, row.version);
    }
    this.pending.push({
      key: this.nextKey++,
      operations: [...operations],
      base,
      state: "queued",
      problem: null,
      theirs: [],
      attempts: 0,
    });
    this.changed();
    this.pump();
  }

  /** Send the next edit that waits on no unsettled earlier edit of the same rows. */
  private pump(): void {
    if (this.sending) return;
    const blocked = new Set<string>();
    for (const edit of this.pending) {
      const rows = rowsOf(edit.operations);
      if (edit.state === "queued" && !rows.some((id) => blocked.has(id))) {
        void this.send(edit);
        return;
      }
      for (const id of rows) blocked.add(id);
    }
  }

  private async send(edit: PendingEdit): Promise<void> {
    this.sending = true;
    this.update(edit.key, { state: "saving", attempts: edit.attempts + 1 });
    const single = edit.operations.length === 1 ? edit.operations[0] : undefined;
    const versionOf = (id: string) => edit.base.get(id);
    try {
      if (single?.op === "update" && (edit.base.get(single.id) ?? 0) > 0) {
        const row = await this.transport.patch(single, edit.base.get(single.id) ?? 0);
        this.confirm(edit, [row]);
      } else {
        const answer = await this.transport.batch(withVersions(versionOf, edit.operations));
        this.confirm(edit, answer.rows);
      }
    } catch (error) {
      await this.failed(edit, error);
    } finally {
      this.sending = false;
    }
    this.pump();
  }

  private confirm(edit: PendingEdit, rows: readonly Row[]): void {
    const deleted = edit.operations.filter((op) => op.op === "delete").map((op) => op.id);
    this.confirmed = this.confirmed.without(deleted).withRows(rows);
    // The person's later edits of these rows now start from the versions just saved
    // (from the version this edit was sent with: the feed may have brought it already).
    for (const row of rows) {
      const old = edit.base.get(row.id) ?? 0;
      for (const other of this.pending) {
        if (other.key !== edit.key && other.base.get(row.id) === old) {
          const base = new Map(other.base);
          base.set(row.id, row.version);
          other.base = base;
        }
      }
    }
    this.pending = this.pending.filter((each) => each.key !== edit.key);
    const ids = rows.map((row) => row.id);
    for (const id of ids) this.saved.add(id);
    this.timers.after(SAVED_MARK_MS, () => {
      for (const id of ids) this.saved.delete(id);
      this.changed();
    });
    this.changed();
  }

  private async failed(edit: PendingEdit, error: unknown): Promise<void> {
    const problem = error instanceof ApiProblem ? error : new ApiProblem({ status: 0, code: "network_error" });
    if (problem.status === 412) {
      await this.conflict(edit, problem);
      return;
    }
    if (problem.status === 0 || problem.status === 429 || problem.status >= 500) {
      this.update(edit.key, { state: "failed", problem });
      const wait = problem.retryAfter ?? RETRY_SECONDS[Math.min(edit.attempts, RETRY_SECONDS.length - 1)] ?? 30;
      this.timers.after(wait * 1000, () => {
        const now = this.pending.find((each) => each.key === edit.key);
        if (now?.state !== "failed") return;
        this.update(edit.key, { state: "queued" });
        this.pump();
      });
      return;
    }
    this.update(edit.key, { state: "refused", problem });
  }

  /** A colleague changed a row first: their rows beside the person's, until chosen. */
  private async conflict(edit: PendingEdit, problem: ApiProblem): Promise<void> {
    const current = problem.body.current;
    if (isRow(current)) {
      this.confirmed = this.confirmed.withRows([current]);
    } else {
      try {
        this.confirmed = ScheduleTree.build(await this.transport.rows());
      } catch {
        this.update(edit.key, { state: "failed", problem });
        return;
      }
    }
    const theirs = [...edit.base.keys()]
      .map((id) => this.confirmed.get(id))
      .filter((row): row is Row => row !== undefined);
    this.update(edit.key, { state: "conflict", problem, theirs });
  }

  private drop(key: number): void {
    this.pending = this.pending.filter((each) => each.key !== key);
    this.changed();
    this.pump();
  }

  private update(key: number, change: Partial<PendingEdit>): void {
    this.pending = this.pending.map((each) => (each.key === key ? { ...each, ...change } : each));
    this.changed();
  }

  private changed(): void {
    this.snapshot = this.makeSnapshot();
    for (const listener of this.listeners) listener();
  }

  private makeSnapshot(): SavingSnapshot {
    return {
      confirmed: this.confirmed,
      shown: applyOperations(this.confirmed, this.pending.flatMap((edit) => edit.operations)),
      pending: this.pending,
      saved: new Set(this.saved),
      canUndo: this.history.canUndo,
      canRedo: this.history.canRedo,
    };
  }
}

/** The rows an edit names: its own, and those it is placed beside or under. */
function rowsOf(operations: readonly Operation[]): string[] {
  const ids: string[] = [];
  for (const operation of operations) {
    ids.push(operation.id);
    if ("after_id" in operation && operation.after_id !== null) ids.push(operation.after_id);
    if ("parent_id" in operation && operation.parent_id !== null) ids.push(operation.parent_id);
  }
  return ids;
}

function isRow(value: unknown): value is Row {
  return typeof value === "object" && value !== null && "id" in value && "version" in value && "kind" in value;
}

/** The fields of an update the person changed, for the conflict beside the colleague's. */
export function editedFields(edit: PendingEdit, id: string): string[] {
  return edit.operations.flatMap((op) =>
    op.id === id && (op.op === "update" || op.op === "create") ? Object.keys(contentOf(op)) : [],
  );
}
