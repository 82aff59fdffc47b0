// The console's keyboard: the shortcut list `?` shows, and when a key belongs to a field rather
// than to the console.

/** Key and what it does, in the order the list shows them. */
export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ["?", "Show or hide this list (not while typing in a field)"],
  ["Esc", "Close the open panel, pop-up, transfer form or image viewer"],
  ["Alt+↑ / Alt+↓", "Previous / next dialog in the list"],
  ["Enter", "Send"],
  ["Shift+Enter", "New line"],
  ["/ at the start of a message", "Quick replies: ↑ / ↓ pick, Enter or Tab insert"],
  ["← / →", "Previous / next image in the image viewer"],
  ["Tab", "Move between controls"],
];

/** Enough of an element to tell whether keys typed there are text. */
export interface KeyTarget {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

const NOT_TEXT = new Set(["button", "checkbox", "radio", "submit", "reset", "color", "file", "range", "image"]);

/** Whether a key pressed in `target` is someone typing (so `?` is a character, not the list). */
export function typingIn(target: KeyTarget | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  return tag === "input" && !NOT_TEXT.has((target.type ?? "text").toLowerCase());
}

/** The key that opens the list: `?` alone (with the Shift it takes), never with Ctrl, Alt or Meta. */
export function opensShortcuts(e: { key: string; ctrlKey: boolean; altKey: boolean; metaKey: boolean; target: KeyTarget | null }): boolean {
  return e.key === "?" && !e.ctrlKey && !e.altKey && !e.metaKey && !typingIn(e.target);
}
