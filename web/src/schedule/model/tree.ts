// The MF tree over the API's rows: order among siblings, depth, what is visible when
// headings are collapsed, and where a row goes when it is inserted, indented or
// outdented (as the API's placement: parent_id / after_id / first). A tree is never
// changed in place: every change returns a new tree, so React sees it, and copying
// 5,000 entries is far below a frame.
import type { components } from "../../api/schema";

type RowOut = components["schemas"]["RowOut"];

/** A row as the API sends it; `depth` may be absent (the change feed), the tree knows it. */
export type Row = Omit<RowOut, "depth"> & { depth?: number };
export type RowKind = Row["kind"];
export type EntryRule = Row["entry_rule"];

/** Where a row goes: after a sibling, first under a parent, or last under it. */
export interface Placement {
  parent_id: string | null;
  after_id: string | null;
  first: boolean;
}

export interface VisibleRow {
  row: Row;
  depth: number;
  hasChildren: boolean;
}

type Parent = string | null;

export class ScheduleTree implements TreeView {
  private depths: Map<string, number> | null = null;
  private order: Row[] | null = null;

  private constructor(
    private readonly rows: ReadonlyMap<string, Row>,
    private readonly kids: ReadonlyMap<Parent, readonly string[]>,
  ) {}

  /** The tree of `rows` in any order: siblings sort by position. */
  static build(rows: readonly Row[]): ScheduleTree {
    const byId = new Map<string, Row>();
    for (const row of rows) byId.set(row.id, row);
    const kids = new Map<Parent, string[]>();
    for (const row of byId.values()) {
      const parent = row.parent_id !== null && byId.has(row.parent_id) ? row.parent_id : null;
      let list = kids.get(parent);
      if (list === undefined) kids.set(parent, (list = []));
      list.push(row.id);
    }
    for (const list of kids.values()) sortByPosition(list, byId);
    return new ScheduleTree(byId, kids);
  }

  static empty(): ScheduleTree {
    return new ScheduleTree(new Map(), new Map());
  }

  get size(): number {
    return this.rows.size;
  }

  get(id: string): Row | undefined {
    return this.rows.get(id);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  children(parent: Parent): readonly string[] {
    return this.kids.get(parent) ?? [];
  }

  parentOf(id: string): Parent {
    return this.rows.get(id)?.parent_id ?? null;
  }

  /** The sibling just before the row, or null when it is the first. */
  previousSibling(id: string): string | null {
    const siblings = this.children(this.parentOf(id));
    const index = siblings.indexOf(id);
    return index > 0 ? (siblings[index - 1] ?? null) : null;
  }

  /** The row's depth (0 at the top), computed once per tree from the parents. */
  depth(id: string): number {
    if (this.depths === null) {
      this.depths = new Map();
      this.walk((row, depth) => this.depths?.set(row.id, depth));
    }
    return this.depths.get(id) ?? 0;
  }

  /** Every row in tree order (depth first). */
  ordered(): readonly Row[] {
    if (this.order === null) {
      const order: Row[] = [];
      this.walk((row) => order.push(row));
      this.order = order;
    }
    return this.order;
  }

  /** The row and everything under it, in tree order. */
  subtree(id: string): string[] {
    return subtreeOf(this, id);
  }

  /** The rows on screen: the children of collapsed headings are left out. O(n). */
  visible(collapsed: ReadonlySet<string>): VisibleRow[] {
    const out: VisibleRow[] = [];
    this.walk((row, depth) => {
      const hasChildren = this.children(row.id).length > 0;
      out.push({ row, depth, hasChildren });
      return !collapsed.has(row.id);
    });
    return out;
  }

  /** The server's rows put in: new ones added, known ones replaced unless older. */
  withRows(incoming: readonly Row[]): ScheduleTree {
    if (incoming.length === 0) return this;
    const rows = new Map(this.rows);
    const moved: { row: Row; known: Row | undefined }[] = [];
    for (const row of incoming) {
      const known = rows.get(row.id);
      if (known !== undefined && known.version > row.version) continue;
      rows.set(row.id, row);
      if (known?.parent_id !== row.parent_id || known.position !== row.position) {
        moved.push({ row, known });
      }
    }
    // Parents first put in, then places: a feed may send a child before its heading.
    const kids = new Map(this.kids);
    const resort = new Set<Parent>();
    for (const { row, known } of moved) {
      if (known !== undefined) {
        const old = parentKey(known, this.rows);
        kids.set(old, (kids.get(old) ?? []).filter((id) => id !== row.id));
      }
      const parent = parentKey(row, rows);
      kids.set(parent, [...(kids.get(parent) ?? []), row.id]);
      resort.add(parent);
    }
    for (const parent of resort) {
      const list = [...(kids.get(parent) ?? [])];
      sortByPosition(list, rows);
      kids.set(parent, list);
    }
    return new ScheduleTree(rows, kids);
  }

  /** The tree without these rows and everything under them. */
  without(ids: Iterable<string>): ScheduleTree {
    return this.edit((draft) => {
      for (const id of ids) draft.remove(id);
    });
  }

  /**
   * The tree with `row` (new, or known and moved with its subtree) at `placement`,
   * at a position between its new neighbours until the server says the real one.
   */
  placed(row: Row, placement: Placement): ScheduleTree {
    return this.edit((draft) => {
      draft.place(row, placement);
    });
  }

  /** The tree with the row's fields changed (its place stays). */
  withFields(id: string, fields: Partial<Row>): ScheduleTree {
    return this.edit((draft) => {
      draft.setFields(id, fields);
    });
  }

  /** Many changes for the price of one copy (a paste of 500 rows is one). */
  edit(change: (draft: TreeDraft) => void): ScheduleTree {
    const draft = new TreeDraft(new Map(this.rows), new Map(this.kids));
    change(draft);
    return new ScheduleTree(draft.rows, draft.kids);
  }

  /** The row's place as a placement: after its previous sibling, or first under its parent. */
  placementOf(id: string): Placement {
    return placementOf(this, id);
  }

  /** Depth-first walk; `visit` returning false skips the row's children. */
  private walk(visit: (row: Row, depth: number) => unknown): void {
    const stack: [string, number][] = [];
    const push = (parent: Parent, depth: number) => {
      const below = this.children(parent);
      for (let i = below.length - 1; i >= 0; i -= 1) stack.push([below[i] as string, depth]);
    };
    push(null, 0);
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const [id, depth] = next;
      const row = this.rows.get(id);
      if (row === undefined) continue;
      if (visit(row, depth) !== false) push(id, depth + 1);
    }
  }
}

/** A tree being changed: ScheduleTree.edit hands one out and freezes it after. */
export class TreeDraft implements TreeView {
  private readonly copied = new Set<Parent>();

  constructor(
    readonly rows: Map<string, Row>,
    readonly kids: Map<Parent, readonly string[]>,
  ) {}

  get(id: string): Row | undefined {
    return this.rows.get(id);
  }

  children(parent: Parent): readonly string[] {
    return this.kids.get(parent) ?? [];
  }

  /** Put `row` at `placement`; a known row moves there with everything under it. */
  place(row: Row, placement: Placement): void {
    const known = this.rows.get(row.id);
    if (known !== undefined) this.detach(known);
    const after = placement.after_id === null ? undefined : this.rows.get(placement.after_id);
    const parent = after !== undefined ? parentKey(after, this.rows) : placement.parent_id;
    const siblings = this.siblings(parent);
    const index = after !== undefined
      ? siblings.indexOf(after.id) + 1
      : placement.first
        ? 0
        : siblings.length;
    const before = index > 0 ? this.rows.get(siblings[index - 1] as string)?.position : undefined;
    const next = index < siblings.length ? this.rows.get(siblings[index] as string)?.position : undefined;
    siblings.splice(index, 0, row.id);
    this.rows.set(row.id, { ...row, parent_id: parent, position: between(before, next) });
  }

  setFields(id: string, fields: Partial<Row>): void {
    const row = this.rows.get(id);
    if (row === undefined) return;
    this.rows.set(id, { ...row, ...fields, id, parent_id: row.parent_id, position: row.position });
  }

  /** Remove the row and everything under it. */
  remove(id: string): void {
    const row = this.rows.get(id);
    if (row === undefined) return;
    this.detach(row);
    const stack = [id];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      stack.push(...this.children(next));
      this.rows.delete(next);
      this.kids.delete(next);
    }
  }

  private detach(row: Row): void {
    const siblings = this.siblings(parentKey(row, this.rows));
    const index = siblings.indexOf(row.id);
    if (index >= 0) siblings.splice(index, 1);
  }

  /** The sibling list under `parent`, copied before its first change. */
  private siblings(parent: Parent): string[] {
    if (!this.copied.has(parent)) {
      this.kids.set(parent, [...this.children(parent)]);
      this.copied.add(parent);
    }
    return this.kids.get(parent) as string[];
  }
}

/** What reading a tree needs: a ScheduleTree, or a TreeDraft while it is changed. */
export interface TreeView {
  get(id: string): Row | undefined;
  children(parent: Parent): readonly string[];
}

/** The row and everything under it, in tree order. */
export function subtreeOf(tree: TreeView, id: string): string[] {
  if (tree.get(id) === undefined) return [];
  const found: string[] = [];
  const stack = [id];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    found.push(next);
    const below = tree.children(next);
    for (let i = below.length - 1; i >= 0; i -= 1) stack.push(below[i] as string);
  }
  return found;
}

/** Where the row is, as a placement that puts it back there. */
export function placementOf(tree: TreeView, id: string): Placement {
  const parent = tree.get(id)?.parent_id ?? null;
  const siblings = tree.children(parent !== null && tree.get(parent) !== undefined ? parent : null);
  const index = siblings.indexOf(id);
  const after = index > 0 ? (siblings[index - 1] ?? null) : null;
  return after !== null
    ? { parent_id: null, after_id: after, first: false }
    : { parent_id: parent, after_id: null, first: true };
}

function parentKey(row: Row, rows: ReadonlyMap<string, Row>): Parent {
  return row.parent_id !== null && rows.has(row.parent_id) ? row.parent_id : null;
}

function sortByPosition(list: string[], rows: ReadonlyMap<string, Row>): void {
  list.sort((a, b) => (rows.get(a)?.position ?? 0) - (rows.get(b)?.position ?? 0));
}

/** A position between two neighbours' (an interim key; the server assigns the real one). */
function between(before: number | undefined, after: number | undefined): number {
  if (before === undefined && after === undefined) return 0;
  if (before === undefined) return (after as number) - 1;
  if (after === undefined) return before + 1;
  return (before + after) / 2;
}

// --- where rows go ------------------------------------------------------------------

/** Below `anchor` at its level (after its whole subtree); at the top of an empty tree. */
export function placementBelow(tree: ScheduleTree, anchor: string | null): Placement {
  if (anchor === null || !tree.has(anchor)) {
    const top = tree.children(null);
    const last = top[top.length - 1] ?? null;
    return { parent_id: null, after_id: last, first: false };
  }
  return { parent_id: null, after_id: anchor, first: false };
}

/** First under the heading `anchor`; null when the anchor is not a heading. */
export function placementAsChild(tree: ScheduleTree, anchor: string): Placement | null {
  if (tree.get(anchor)?.kind !== "heading") return null;
  return { parent_id: anchor, after_id: null, first: true };
}

/**
 * Indent: the row becomes the last child of the heading just above it at its level.
 * Null when there is none (the first row, or the row above is not a heading).
 */
export function indentPlacement(tree: ScheduleTree, id: string): Placement | null {
  const previous = tree.previousSibling(id);
  if (previous === null || tree.get(previous)?.kind !== "heading") return null;
  const under = tree.children(previous);
  const last = under[under.length - 1] ?? null;
  return last !== null
    ? { parent_id: null, after_id: last, first: false }
    : { parent_id: previous, after_id: null, first: false };
}

/** Outdent: the row goes right after its parent heading; null at the top level. */
export function outdentPlacement(tree: ScheduleTree, id: string): Placement | null {
  const parent = tree.parentOf(id);
  if (parent === null) return null;
  return { parent_id: null, after_id: parent, first: false };
}

/** Whether moving `id` to `placement` keeps it out of its own subtree. */
export function canMove(tree: ScheduleTree, id: string, placement: Placement): boolean {
  const target = placement.after_id !== null ? tree.parentOf(placement.after_id) : placement.parent_id;
  if (placement.after_id === id) return false;
  if (target !== null && tree.get(target)?.kind !== "heading") return false;
  for (let at: string | null = target; at !== null; at = tree.parentOf(at)) {
    if (at === id) return false;
  }
  return true;
}

/** The rows a delete removes: the row and everything under it, the row first. */
export function deletion(tree: ScheduleTree, id: string): string[] {
  return tree.subtree(id);
}
