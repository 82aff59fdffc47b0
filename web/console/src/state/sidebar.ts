// The sidebar as plain data: one row per dialog with my unread count and its ring, and the pure
// rules the console shows it by (colour, filters, search, order, the header's count).

import type { DialogView, OperatorId, TagView } from "../../../protocol/protocol";
import { passesTags, type TagFilter } from "./tags";

export interface Row {
  dialog: DialogView;
  /** My unread count: the server's `unread` when it sends one, else moved by new visitor messages. */
  unread: number;
  /** This console plays the new-dialog melody for it (the server's `ring` flag). */
  ringing: boolean;
}

export type Rows = ReadonlyMap<string, Row>;
export type Colour = "waiting" | "mine" | "taken" | "plain";
export type Tab = "open" | "closed";
export type Filter = "all" | "unread" | "mine" | "others";
export type Sort = "activity" | "waiting";
/** Within the tab: every dialog, those on hold, or those waiting in the queue for an operator with room. */
export type StateFilter = "any" | "held" | "queued";
/** Who wrote the last message: either, the visitor, or an operator. */
export type LastBy = "any" | "visitor" | "operator";

/** A dialog summary merged in; `ring` is the flag the event carried, if it carried one. */
export function upsertDialog(rows: Rows, dialog: DialogView, ring?: boolean): Map<string, Row> {
  const out = new Map(rows);
  const old = rows.get(dialog.id);
  let unread: number;
  if (dialog.unread !== undefined) unread = dialog.unread;
  else if (old) unread = Math.max(0, old.unread + dialog.visitor_messages - old.dialog.visitor_messages);
  else unread = dialog.visitor_messages;
  const stillWaiting = dialog.status === "open" && dialog.participants.length === 0;
  const ringing = stillWaiting && (ring ?? old?.ringing ?? false);
  // An older summary (a late push after a newer HTTP list) never replaces a newer one.
  if (old && old.dialog.seq > dialog.seq && dialog.unread === undefined) {
    out.set(dialog.id, { ...old, ringing: ring === false ? false : old.ringing });
    return out;
  }
  out.set(dialog.id, { dialog: { ...dialog, unread: undefined }, unread, ringing });
  return out;
}

export function removeDialog(rows: Rows, id: string): Map<string, Row> {
  const out = new Map(rows);
  out.delete(id);
  return out;
}

/** My read state from the server (`dialog.read`, an ack of `mark_unread`), or my own read. */
export function setUnread(rows: Rows, id: string, unread: number): Rows {
  const row = rows.get(id);
  if (!row || row.unread === unread) return rows;
  const out = new Map(rows);
  out.set(id, { ...row, unread });
  return out;
}

/**
 * Green while it waits for an answer with no operator connected; light blue when I am connected;
 * blue when another operator is.
 */
export function colour(d: DialogView, me: OperatorId): Colour {
  if (d.status === "closed") return "plain";
  if (d.participants.some((p) => p.id === me)) return "mine";
  if (d.participants.length > 0) return "taken";
  return d.needs_answer ? "waiting" : "plain";
}

export interface View {
  tab: Tab;
  filter: Filter;
  /** The sort chosen; it counts only as `effectiveSort` allows. */
  sort: Sort;
  query: string;
  me: OperatorId;
  state: StateFilter;
  lastBy: LastBy;
  /** With the "others" filter: the one colleague whose dialogs show (any colleague's when absent). */
  colleague?: OperatorId;
  /** The workspace's reply-time limit, in seconds; absent: no limit, and no processing order. */
  replyLimitSecs?: number;
  /** The tag filter (state/tags.ts), over the workspace's tags (`tagDefs`, by id). */
  tags?: TagFilter;
  tagDefs?: ReadonlyMap<string, TagView>;
}

/**
 * The sort the list uses: processing order only with a reply-time limit ("if no time limit is
 * specified, sorting by processing order is not available", seed 002), else last activity.
 */
export function effectiveSort(sort: Sort, replyLimitSecs: number | undefined): Sort {
  return sort === "waiting" && replyLimitSecs !== undefined ? "waiting" : "activity";
}

/** When the reply to an open dialog's first unanswered visitor message is due, under the limit. */
export function replyDue(d: DialogView, replyLimitSecs: number | undefined): number | undefined {
  if (replyLimitSecs === undefined || d.status !== "open" || d.waiting_since === undefined) return undefined;
  return d.waiting_since + replyLimitSecs * 1000;
}

/** Time left to reply (negative: overdue by that much), for a row's mark. */
export interface Deadline {
  overdue: boolean;
  /** "4 min left", "12 min over". */
  words: string;
}

export function deadline(d: DialogView, replyLimitSecs: number | undefined, now: number): Deadline | undefined {
  const due = replyDue(d, replyLimitSecs);
  if (due === undefined) return undefined;
  const overdue = now >= due;
  const span = overdue ? waited(due, now) : waited(now, due);
  return { overdue, words: `${span} ${overdue ? "over" : "left"}` };
}

/** Whether the operator is in charge of the dialog or connected to it. */
function involves(d: DialogView, op: OperatorId): boolean {
  return d.assignee?.id === op || d.participants.some((p) => p.id === op);
}

/** What the visitor's name, their last message or my draft must contain for a search to match. */
export function matches(row: Row, query: string, draft?: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const d = row.dialog;
  return [d.visitor_name, d.last_message?.text, draft].some(
    (s) => typeof s === "string" && s.toLowerCase().includes(q),
  );
}

/** The search keeps a row that matches here (`matches`) or that the server found for this query. */
function shown(row: Row, query: string, drafts: ReadonlyMap<string, string>, found: ReadonlyMap<string, unknown>): boolean {
  return found.has(row.dialog.id) || matches(row, query, drafts.get(row.dialog.id));
}

function passes(row: Row, v: View, tab: Tab = v.tab): boolean {
  const d = row.dialog;
  if (d.status !== tab) return false;
  if (v.state === "held" && d.held_since === undefined) return false;
  if (v.state === "queued" && d.queued_since === undefined) return false;
  if (v.lastBy !== "any" && d.last_message?.kind !== v.lastBy) return false;
  if (v.tags && !passesTags(d, v.tags, v.tagDefs ?? new Map())) return false;
  switch (v.filter) {
    case "unread":
      return row.unread > 0;
    case "mine":
      return involves(d, v.me);
    case "others":
      if (v.colleague !== undefined && v.colleague !== v.me) return involves(d, v.colleague);
      return !!d.assignee && d.assignee.id !== v.me;
    default:
      return true;
  }
}

/**
 * The rows to show, in order. Last activity: newest first, so each visitor message moves its
 * dialog to the top. Processing order (with a reply-time limit only): by the time left to reply,
 * overdue ones first (the reply due soonest), then the answered ones by last activity.
 */
export function visibleRows(
  rows: Rows,
  v: View,
  drafts: ReadonlyMap<string, string> = new Map(),
  found: ReadonlyMap<string, unknown> = new Map(),
): Row[] {
  const list = [...rows.values()].filter((r) => passes(r, v) && shown(r, v.query, drafts, found));
  const byActivity = (a: Row, b: Row) => b.dialog.last_activity - a.dialog.last_activity || a.dialog.id.localeCompare(b.dialog.id);
  if (effectiveSort(v.sort, v.replyLimitSecs) === "activity") return list.sort(byActivity);
  return list.sort((a, b) => {
    const wa = replyDue(a.dialog, v.replyLimitSecs);
    const wb = replyDue(b.dialog, v.replyLimitSecs);
    if (wa !== undefined && wb !== undefined) return wa - wb || byActivity(a, b);
    if (wa !== undefined) return -1;
    if (wb !== undefined) return 1;
    return byActivity(a, b);
  });
}

/**
 * While searching: how many rows the search keeps in each tab under the same filter, so matches in
 * the tab not shown are not missed ("Closed · 2"). Empty when the box is empty.
 */
export function tabCounts(
  rows: Rows,
  v: View,
  drafts: ReadonlyMap<string, string> = new Map(),
  found: ReadonlyMap<string, unknown> = new Map(),
): Partial<Record<Tab, number>> {
  if (!v.query.trim()) return {};
  const counts: Record<Tab, number> = { open: 0, closed: 0 };
  for (const r of rows.values()) {
    for (const tab of ["open", "closed"] as const) if (passes(r, v, tab) && shown(r, v.query, drafts, found)) counts[tab]++;
  }
  return counts;
}

/** The header's and the tab title's number: open dialogs with something unread for me. */
export function unreadDialogs(rows: Rows): number {
  let n = 0;
  for (const r of rows.values()) if (r.dialog.status === "open" && r.unread > 0) n++;
  return n;
}

/** The melody plays while any dialog rings for me. */
export function anyRinging(rows: Rows): boolean {
  for (const r of rows.values()) if (r.ringing) return true;
  return false;
}

/** The next or previous visible dialog (Alt+Down / Alt+Up), wrapping at neither end. */
export function step(list: readonly Row[], current: string | null, delta: 1 | -1): string | null {
  if (list.length === 0) return null;
  const at = list.findIndex((r) => r.dialog.id === current);
  if (at < 0) return list[delta > 0 ? 0 : list.length - 1].dialog.id;
  return list[Math.min(list.length - 1, Math.max(0, at + delta))].dialog.id;
}

/**
 * A row's height in the list, in pixels, from what it shows (console.css sets the same line heights
 * and padding: `.row-main`): 10 px padding above and below, the name and the last message (20 px
 * each), the 16 px line under the name (the channel, and the operator in charge beside it) and the
 * 1 px border; the search's "Found in" adds a 16 px line. Known without drawing the row, so the
 * list draws only the rows in sight.
 */
export function rowHeight(found: boolean): number {
  return 77 + (found ? 16 : 0);
}

/** The letters on a row's avatar: the first of the first two words ("Vera Nova" → "VN"), or "?". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0].toUpperCase());
  return letters.join("") || "?";
}

/** How many avatar colours console.css has (`.avatar[data-hue]`). */
export const AVATAR_HUES = 8;

/** A name's avatar colour, the same for that name in every console. */
export function avatarHue(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.codePointAt(0)!) >>> 0;
  return h % AVATAR_HUES;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The last message's time on a row: "14:05" today, "Mon" within the week, "3 Dec" before. */
export function lastTime(at: number, now: number): string {
  const d = new Date(at);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) {
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }
  if (now - at < 6 * 86_400_000 && now > at) return DAYS[d.getDay()];
  return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
}

/** Since when an open dialog has waited for an answer, if it waits. */
export function waitingSince(d: DialogView): number | undefined {
  return d.status === "open" && d.needs_answer ? d.waiting_since : undefined;
}

/** How long that is, short: "<1 min", "12 min", "3 h", "2 d". */
export function waited(since: number, now: number): string {
  const min = Math.floor(Math.max(0, now - since) / 60_000);
  if (min < 1) return "<1 min";
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return h < 24 ? `${h} h` : `${Math.floor(h / 24)} d`;
}

/**
 * The rows `[from, to)` that lie (even partly) between `top` and `bottom`, given each row's top
 * (`offsets[i]`, with the total height last).
 */
export function rowsAround(offsets: readonly number[], top: number, bottom: number): [number, number] {
  const rows = offsets.length - 1;
  // The first row whose bottom is below `top`, and the first whose top is at or past `bottom`.
  const search = (y: number, shift: number) => {
    let lo = 0;
    let hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid + shift] <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const from = search(top, 1);
  return [from, Math.max(from, search(bottom - 1, 0))];
}
