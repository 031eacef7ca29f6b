// The editor's keyboard: which key press is which command, and the shortcut sheet made
// from the same table, so the sheet never says what the keys do not do. `Mod` is Cmd
// on a Mac and Ctrl elsewhere. Keys the grid itself handles (moving, starting and
// ending an edit) are in the table for the sheet and left to the grid.

export type Platform = "mac" | "other";

export type Command =
  | "move"
  | "nextCell"
  | "edit"
  | "commit"
  | "cancel"
  | "insertBelow"
  | "insertChild"
  | "indent"
  | "outdent"
  | "collapse"
  | "expand"
  | "clear"
  | "deleteRow"
  | "undo"
  | "redo"
  | "copy"
  | "paste"
  | "help";

export interface Chord {
  key: string;
  mod?: boolean;
  alt?: boolean;
  shift?: boolean;
  /** A printed character (`?`): whatever Shift it takes on the keyboard's layout. */
  anyShift?: boolean;
}

export interface Binding {
  command: Command;
  chords: readonly Chord[];
  /** Who acts: the grid itself, or the editor's handler. */
  by: "grid" | "editor";
  /** Whether it applies while a cell is being edited (else it is the editor's typing). */
  whileEditing: boolean;
}

export const BINDINGS: readonly Binding[] = [
  {
    command: "move",
    chords: [{ key: "ArrowUp" }, { key: "ArrowDown" }, { key: "ArrowLeft" }, { key: "ArrowRight" }],
    by: "grid",
    whileEditing: false,
  },
  { command: "nextCell", chords: [{ key: "Tab" }, { key: "Tab", shift: true }], by: "grid", whileEditing: true },
  { command: "edit", chords: [{ key: "Enter" }, { key: "F2" }], by: "grid", whileEditing: false },
  { command: "commit", chords: [{ key: "Enter" }], by: "grid", whileEditing: true },
  { command: "cancel", chords: [{ key: "Escape" }], by: "grid", whileEditing: true },
  { command: "insertBelow", chords: [{ key: "Enter", mod: true }], by: "editor", whileEditing: true },
  { command: "insertChild", chords: [{ key: "Enter", mod: true, shift: true }], by: "editor", whileEditing: false },
  { command: "indent", chords: [{ key: "ArrowRight", alt: true, shift: true }], by: "editor", whileEditing: false },
  { command: "outdent", chords: [{ key: "ArrowLeft", alt: true, shift: true }], by: "editor", whileEditing: false },
  { command: "collapse", chords: [{ key: "ArrowUp", alt: true, shift: true }], by: "editor", whileEditing: false },
  { command: "expand", chords: [{ key: "ArrowDown", alt: true, shift: true }], by: "editor", whileEditing: false },
  { command: "clear", chords: [{ key: "Delete" }], by: "editor", whileEditing: false },
  { command: "deleteRow", chords: [{ key: "Delete", alt: true, shift: true }], by: "editor", whileEditing: false },
  { command: "undo", chords: [{ key: "z", mod: true }], by: "editor", whileEditing: false },
  { command: "redo", chords: [{ key: "y", mod: true }, { key: "z", mod: true, shift: true }], by: "editor", whileEditing: false },
  { command: "copy", chords: [{ key: "c", mod: true }], by: "editor", whileEditing: false },
  { command: "paste", chords: [{ key: "v", mod: true }], by: "editor", whileEditing: false },
  { command: "help", chords: [{ key: "?", anyShift: true }], by: "editor", whileEditing: false },
];

/** What a key press is, as a KeyboardEvent has it. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** The platform from navigator.userAgent (a Mac, an iPhone or iPad uses Cmd). */
export function platformOf(platform: string): Platform {
  return /mac|iphone|ipad/i.test(platform) ? "mac" : "other";
}

function matches(chord: Chord, press: KeyPress, platform: Platform): boolean {
  const mod = platform === "mac" ? press.metaKey : press.ctrlKey;
  const other = platform === "mac" ? press.ctrlKey : press.metaKey;
  if (other || mod !== (chord.mod ?? false) || press.altKey !== (chord.alt ?? false)) return false;
  if (!chord.anyShift && press.shiftKey !== (chord.shift ?? false)) return false;
  // Letters come upper-case with Shift (and Caps Lock): the key, not the case, counts.
  return chord.key.length === 1 ? press.key.toLowerCase() === chord.key.toLowerCase() : press.key === chord.key;
}

/** The binding of a key press, or null when it is none of the table's. */
export function bindingFor(press: KeyPress, platform: Platform, editing: boolean): Binding | null {
  for (const binding of BINDINGS) {
    if (editing && !binding.whileEditing) continue;
    if (binding.chords.some((chord) => matches(chord, press, platform))) return binding;
  }
  return null;
}

/** The editor's command for a key press (null for the grid's own keys and the rest). */
export function commandFor(press: KeyPress, platform: Platform, editing: boolean): Command | null {
  const binding = bindingFor(press, platform, editing);
  return binding?.by === "editor" ? binding.command : null;
}

const KEY_NAMES: Readonly<Record<string, string>> = {
  ArrowUp: "↑",
  ArrowDown: "↓",
  ArrowLeft: "←",
  ArrowRight: "→",
  Escape: "Esc",
  Delete: "Delete",
};

/** A chord as the sheet writes it: `Ctrl+Shift+Z`, `Cmd+Enter`, `Alt+Shift+→`. */
export function chordLabel(chord: Chord, platform: Platform): string {
  const parts: string[] = [];
  if (chord.mod) parts.push(platform === "mac" ? "Cmd" : "Ctrl");
  if (chord.alt) parts.push(platform === "mac" ? "Option" : "Alt");
  if (chord.shift) parts.push("Shift");
  parts.push(KEY_NAMES[chord.key] ?? (chord.key.length === 1 ? chord.key.toUpperCase() : chord.key));
  return parts.join("+");
}

export interface SheetEntry {
  command: Command;
  keys: string[];
}

/** The shortcut sheet: every command with its keys, in the table's order. */
export function shortcutSheet(platform: Platform): SheetEntry[] {
  return BINDINGS.map((binding) => ({
    command: binding.command,
    keys: binding.chords.map((chord) => chordLabel(chord, platform)),
  }));
}
