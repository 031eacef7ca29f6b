import { describe, expect, it } from "vitest";
import { BINDINGS, commandFor, platformOf, shortcutSheet, type KeyPress } from "./keyboard";

function press(key: string, mods: Partial<Omit<KeyPress, "key">> = {}): KeyPress {
  return { key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods };
}

describe("key presses as commands", () => {
  it("reads Ctrl on Windows and Linux and Cmd on a Mac", () => {
    expect(commandFor(press("z", { ctrlKey: true }), "other", false)).toBe("undo");
    expect(commandFor(press("z", { metaKey: true }), "mac", false)).toBe("undo");
    expect(commandFor(press("z", { metaKey: true }), "other", false)).toBeNull();
    expect(commandFor(press("z", { ctrlKey: true }), "mac", false)).toBeNull();
  });
  it("redoes with Ctrl+Y and with Cmd+Shift+Z (whatever the case the key comes in)", () => {
    expect(commandFor(press("y", { ctrlKey: true }), "other", false)).toBe("redo");
    expect(commandFor(press("Z", { metaKey: true, shiftKey: true }), "mac", false)).toBe("redo");
  });
  it("inserts below with Mod+Enter, also while editing; a child with Mod+Shift+Enter", () => {
    expect(commandFor(press("Enter", { ctrlKey: true }), "other", false)).toBe("insertBelow");
    expect(commandFor(press("Enter", { metaKey: true }), "mac", true)).toBe("insertBelow");
    expect(commandFor(press("Enter", { ctrlKey: true, shiftKey: true }), "other", false)).toBe("insertChild");
  });
  it("indents and outdents with Alt+Shift+→/←, and plain arrows stay the grid's", () => {
    expect(commandFor(press("ArrowRight", { altKey: true, shiftKey: true }), "other", false)).toBe("indent");
    expect(commandFor(press("ArrowLeft", { altKey: true, shiftKey: true }), "mac", false)).toBe("outdent");
    expect(commandFor(press("ArrowRight"), "other", false)).toBeNull();
    expect(commandFor(press("ArrowRight", { altKey: true }), "other", false)).toBeNull();
  });
  it("clears with Delete, copies and pastes with Mod+C/V", () => {
    expect(commandFor(press("Delete"), "other", false)).toBe("clear");
    expect(commandFor(press("c", { ctrlKey: true }), "other", false)).toBe("copy");
    expect(commandFor(press("v", { metaKey: true }), "mac", false)).toBe("paste");
  });
  it("opens the sheet on ? whichever Shift the layout needs, but not while typing", () => {
    expect(commandFor(press("?", { shiftKey: true }), "other", false)).toBe("help");
    expect(commandFor(press("?"), "other", false)).toBe("help");
    expect(commandFor(press("?", { shiftKey: true }), "other", true)).toBeNull();
    expect(commandFor(press("Delete"), "other", true)).toBeNull();
    expect(commandFor(press("z", { ctrlKey: true }), "other", true)).toBeNull();
  });
  it("leaves editing and moving to the grid", () => {
    for (const key of ["Enter", "F2", "Escape", "Tab", "ArrowDown"]) {
      expect(commandFor(press(key), "other", false)).toBeNull();
    }
  });
  it("tells the platform", () => {
    expect(platformOf("MacIntel")).toBe("mac");
    expect(platformOf("iPad")).toBe("mac");
    expect(platformOf("Linux x86_64")).toBe("other");
    expect(platformOf("Win32")).toBe("other");
  });
});

describe("the shortcut sheet", () => {
  it("lists every binding of the table, with its keys for the platform", () => {
    const sheet = shortcutSheet("other");
    expect(sheet.map((entry) => entry.command)).toEqual(BINDINGS.map((binding) => binding.command));
    expect(sheet.find((entry) => entry.command === "redo")?.keys).toEqual(["Ctrl+Y", "Ctrl+Shift+Z"]);
    expect(sheet.find((entry) => entry.command === "indent")?.keys).toEqual(["Alt+Shift+→"]);
    expect(shortcutSheet("mac").find((entry) => entry.command === "insertBelow")?.keys).toEqual(["Cmd+Enter"]);
    expect(sheet.find((entry) => entry.command === "help")?.keys).toEqual(["?"]);
  });
  it("has no key press that means two commands", () => {
    const seen = new Map<string, string>();
    for (const binding of BINDINGS) {
      for (const chord of binding.chords) {
        const label = `${String(binding.whileEditing)}:${JSON.stringify(chord)}`;
        expect(seen.get(label), label).toBeUndefined();
        seen.set(label, binding.command);
      }
    }
  });
});
