import { describe, expect, it } from "vitest";
import { opensShortcuts, SHORTCUTS, typingIn } from "./keys";

const key = (target: Parameters<typeof typingIn>[0], over: Partial<Parameters<typeof opensShortcuts>[0]> = {}) => ({
  key: "?",
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  target,
  ...over,
});

describe("the keyboard", () => {
  it("counts text fields, text areas, selects and editable elements as typing, buttons and checkboxes not", () => {
    expect(typingIn({ tagName: "TEXTAREA" })).toBe(true);
    expect(typingIn({ tagName: "INPUT", type: "search" })).toBe(true);
    expect(typingIn({ tagName: "INPUT" })).toBe(true);
    expect(typingIn({ tagName: "SELECT" })).toBe(true);
    expect(typingIn({ tagName: "DIV", isContentEditable: true })).toBe(true);
    expect(typingIn({ tagName: "INPUT", type: "checkbox" })).toBe(false);
    expect(typingIn({ tagName: "BUTTON" })).toBe(false);
    expect(typingIn({ tagName: "BODY" })).toBe(false);
    expect(typingIn(null)).toBe(false);
  });

  it("opens the list on ? outside fields only, and never with Ctrl, Alt or Meta", () => {
    expect(opensShortcuts(key({ tagName: "BODY" }))).toBe(true);
    expect(opensShortcuts(key({ tagName: "TEXTAREA" }))).toBe(false);
    expect(opensShortcuts(key({ tagName: "BODY" }, { ctrlKey: true }))).toBe(false);
    expect(opensShortcuts(key({ tagName: "BODY" }, { key: "/" }))).toBe(false);
  });

  it("lists ? and Escape among its shortcuts", () => {
    expect(SHORTCUTS.map(([k]) => k)).toEqual(expect.arrayContaining(["?", "Esc", "Alt+↑ / Alt+↓", "Enter"]));
  });
});
