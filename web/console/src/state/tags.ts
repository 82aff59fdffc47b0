// Tags (seed 002) as plain data: the sidebar's tag filter (All, No tags, a list combined with AND,
// Pinned only) over the dialogs' copies of their contact's tags, the filter's list of tags (found
// by name, the selected first, then by count), and the pinned tags a row shows under the name.
// An id the workspace no longer lists (a deleted tag) is ignored everywhere.

import type { ContactTag, DialogView, TagView } from "../../../protocol/protocol";

export interface TagFilter {
  /** "No tags set": only dialogs whose contact has none; the list is off meanwhile. */
  none: boolean;
  /** Tag ids every dialog shown must carry (AND). */
  selected: readonly string[];
  /** Only pinned tags count: the list offers those, and a dialog shows when its contact pinned one. */
  pinnedOnly: boolean;
}

export const allTags: TagFilter = { none: false, selected: [], pinnedOnly: false };

/** Whether the filter lets everything through. */
export function isAll(f: TagFilter): boolean {
  return !f.none && !f.pinnedOnly && f.selected.length === 0;
}

/** The dialog's tags the workspace still defines. */
function known(d: DialogView, tags: ReadonlyMap<string, TagView>): ContactTag[] {
  return (d.tags ?? []).filter((t) => tags.has(t.tag));
}

export function passesTags(d: DialogView, f: TagFilter, tags: ReadonlyMap<string, TagView>): boolean {
  if (isAll(f)) return true;
  const held = known(d, tags);
  if (f.none) return held.length === 0;
  const counted = f.pinnedOnly ? held.filter((t) => t.pinned) : held;
  if (f.pinnedOnly && counted.length === 0) return false;
  return f.selected.every((id) => counted.some((t) => t.tag === id));
}

/** The filter with a tag selected or not; selecting one leaves "No tags". */
export function toggle(f: TagFilter, id: string): TagFilter {
  const selected = f.selected.includes(id) ? f.selected.filter((s) => s !== id) : [...f.selected, id];
  return { ...f, none: false, selected };
}

/**
 * The tags the filter lists: those whose name holds the search, only pinned ones with "Pinned
 * only" (`pinned`: the ids some loaded dialog's contact pinned); selected ones always, first; the
 * rest by their count of dialogs, most first.
 */
export function tagChoices(all: readonly TagView[], f: TagFilter, query: string, pinned: ReadonlySet<string>): TagView[] {
  const q = query.trim().toLowerCase();
  const on = (t: TagView) => f.selected.includes(t.id);
  return all
    .filter((t) => on(t) || ((!f.pinnedOnly || pinned.has(t.id)) && t.name.toLowerCase().includes(q)))
    .sort((a, b) => Number(on(b)) - Number(on(a)) || b.dialogs - a.dialogs || a.name.localeCompare(b.name));
}

/** Every tag id pinned on some dialog of these. */
export function pinnedIds(dialogs: Iterable<DialogView>): Set<string> {
  const out = new Set<string>();
  for (const d of dialogs) for (const t of d.tags ?? []) if (t.pinned) out.add(t.tag);
  return out;
}

/** The pinned tags a row shows under the contact's name, as the workspace defines them. */
export function pinnedTags(d: DialogView, tags: ReadonlyMap<string, TagView>): TagView[] {
  return known(d, tags)
    .filter((t) => t.pinned)
    .map((t) => tags.get(t.tag)!);
}

/** A contact's tags with one added (not pinned), taken off, or its pin flipped. */
export function withTag(list: readonly ContactTag[], id: string): ContactTag[] {
  return list.some((t) => t.tag === id) ? [...list] : [...list, { tag: id, pinned: false }];
}

export function withoutTag(list: readonly ContactTag[], id: string): ContactTag[] {
  return list.filter((t) => t.tag !== id);
}

export function withPin(list: readonly ContactTag[], id: string): ContactTag[] {
  return list.map((t) => (t.tag === id ? { ...t, pinned: !t.pinned } : t));
}

/** The text colour that reads on a chip of this `#rrggbb` colour: dark on light ones, white on dark. */
export function ink(colour: string): string {
  const n = Number.parseInt(colour.slice(1), 16);
  if (Number.isNaN(n)) return "#fff";
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#111" : "#fff";
}

/** A chip's style: its tag's colour behind, the ink that reads on it. */
export function chip(colour: string): Record<string, string> {
  return { "--tag": colour, color: ink(colour) };
}
