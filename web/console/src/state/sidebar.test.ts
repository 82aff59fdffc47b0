import { describe, expect, it } from "vitest";
import {
  anyRinging,
  AVATAR_HUES,
  avatarHue,
  colour,
  deadline,
  effectiveSort,
  initials,
  lastTime,
  removeDialog,
  rowHeight,
  rowsAround,
  setUnread,
  step,
  unreadDialogs,
  upsertDialog,
  visibleRows,
  waited,
  waitingSince,
  type View,
} from "./sidebar";
import { ME, dialog, rowsOf, view } from "./testing";


describe("colour", () => {
  it("is green while waiting with nobody connected, light blue when I am connected, blue for another operator", () => {
    expect(colour(dialog("a"), ME)).toBe("waiting");
    expect(colour(dialog("a", { participants: [{ id: ME, name: "Me" }], needs_answer: false }), ME)).toBe("mine");
    expect(colour(dialog("a", { participants: [{ id: "op_b", name: "Boris" }] }), ME)).toBe("taken");
    expect(colour(dialog("a", { status: "closed" }), ME)).toBe("plain");
    expect(colour(dialog("a", { needs_answer: false }), ME)).toBe("plain");
  });
});

describe("upsertDialog", () => {
  it("counts my unread from the server's number, then moves it by new visitor messages", () => {
    let rows = upsertDialog(new Map(), dialog("a", { unread: 2, visitor_messages: 3 }));
    expect(rows.get("a")!.unread).toBe(2);
    rows = upsertDialog(rows, dialog("a", { visitor_messages: 5, seq: 6 }));
    expect(rows.get("a")!.unread).toBe(4);
    rows = setUnread(rows, "a", 0) as Map<string, never>;
    expect(unreadDialogs(rows)).toBe(0);
  });

  it("rings while nobody is connected, and stops for everyone once an operator joins", () => {
    let rows = upsertDialog(new Map(), dialog("a"), true);
    expect(anyRinging(rows)).toBe(true);
    rows = upsertDialog(rows, dialog("a", { seq: 2 }));
    expect(anyRinging(rows)).toBe(true);
    rows = upsertDialog(rows, dialog("a", { seq: 3, participants: [{ id: "op_b", name: "Boris" }] }), false);
    expect(anyRinging(rows)).toBe(false);
    expect(anyRinging(removeDialog(upsertDialog(new Map(), dialog("b"), true), "b"))).toBe(false);
  });

  it("a late, older summary does not replace a newer one", () => {
    let rows = upsertDialog(new Map(), dialog("a", { seq: 5, last_activity: 500 }));
    rows = upsertDialog(rows, dialog("a", { seq: 4, last_activity: 400 }));
    expect(rows.get("a")!.dialog.seq).toBe(5);
  });
});

describe("visibleRows", () => {
  const rows = rowsOf(true, 
    dialog("old", { last_activity: 100, waiting_since: 50 }),
    dialog("new", { last_activity: 300, waiting_since: 250 }),
    dialog("mine", { last_activity: 200, needs_answer: false, waiting_since: undefined, participants: [{ id: ME, name: "Me" }], assignee: { id: ME, name: "Me" }, visitor_messages: 0 }),
    dialog("boris", { last_activity: 250, needs_answer: false, waiting_since: undefined, assignee: { id: "op_b", name: "Boris" }, participants: [{ id: "op_b", name: "Boris" }], last_message: { seq: 1, kind: "visitor", text: "Refund for order 77", at: 250 } }),
    dialog("shut", { status: "closed", last_activity: 999 }),
  );
  const ids = (v: View) => visibleRows(rows, v).map((r) => r.dialog.id);

  it("orders by last activity, newest first, or with a reply-time limit by processing order, the reply due first", () => {
    expect(ids(view())).toEqual(["new", "boris", "mine", "old"]);
    expect(ids(view({ sort: "waiting", replyLimitSecs: 60 }))).toEqual(["old", "new", "boris", "mine"]);
  });

  it("offers processing order only with a reply-time limit: without one, a stored choice of it sorts by last activity", () => {
    expect(effectiveSort("waiting", undefined)).toBe("activity");
    expect(effectiveSort("waiting", 300)).toBe("waiting");
    expect(effectiveSort("activity", 300)).toBe("activity");
    expect(ids(view({ sort: "waiting" }))).toEqual(ids(view()));
  });

  it("sorts by time left even once an operator is connected but has not answered yet", () => {
    const joined = upsertDialog(rows, dialog("new", { last_activity: 300, waiting_since: 20, needs_answer: false, participants: [{ id: ME, name: "Me" }], seq: 2 }));
    expect(visibleRows(joined, view({ sort: "waiting", replyLimitSecs: 60 })).map((r) => r.dialog.id)).toEqual(["new", "old", "boris", "mine"]);
  });

  it("moves a dialog to the top when its visitor writes", () => {
    const moved = upsertDialog(rows, dialog("old", { last_activity: 400, seq: 2, visitor_messages: 2 }));
    expect(visibleRows(moved, view())[0].dialog.id).toBe("old");
  });

  it("filters open / closed, unread, mine and another operator's", () => {
    expect(ids(view({ tab: "closed" }))).toEqual(["shut"]);
    expect(ids(view({ filter: "mine" }))).toEqual(["mine"]);
    expect(ids(view({ filter: "others" }))).toEqual(["boris"]);
    expect(ids(view({ filter: "unread" }))).toEqual(["new", "boris", "old"]);
  });

  it("filters by state within the tab: on hold, queued", () => {
    const more = upsertDialog(upsertDialog(rows, dialog("held", { last_activity: 50, held_since: 40 })), dialog("queued", { last_activity: 60, queued_since: 55 }));
    const shown = (v: View) => visibleRows(more, v).map((r) => r.dialog.id);
    expect(shown(view({ state: "held" }))).toEqual(["held"]);
    expect(shown(view({ state: "queued" }))).toEqual(["queued"]);
    expect(shown(view({ state: "any" }))).toHaveLength(6);
    expect(shown(view({ state: "held", tab: "closed" }))).toEqual([]);
  });

  it("filters by who wrote last, from the last message's kind", () => {
    const more = upsertDialog(rows, dialog("answered", { last_activity: 70, last_message: { seq: 2, kind: "operator", text: "Done", at: 70 } }));
    const shown = (v: View) => visibleRows(more, v).map((r) => r.dialog.id);
    expect(shown(view({ lastBy: "operator" }))).toEqual(["answered"]);
    expect(shown(view({ lastBy: "visitor" }))).toEqual(["boris"]);
  });

  it("shows one chosen colleague's dialogs under Others, whether in charge or connected", () => {
    const more = upsertDialog(rows, dialog("helping", { last_activity: 80, assignee: { id: "op_c", name: "Clara" }, participants: [{ id: "op_c", name: "Clara" }, { id: "op_b", name: "Boris" }] }));
    const shown = (v: View) => visibleRows(more, v).map((r) => r.dialog.id);
    expect(shown(view({ filter: "others" }))).toEqual(["boris", "helping"]);
    expect(shown(view({ filter: "others", colleague: "op_b" }))).toEqual(["boris", "helping"]);
    expect(shown(view({ filter: "others", colleague: "op_c" }))).toEqual(["helping"]);
    expect(shown(view({ filter: "all", colleague: "op_c" }))).toHaveLength(5);
  });

  it("searches the visitor's name, the last message and my draft", () => {
    expect(ids(view({ query: "visitor OLD" }))).toEqual(["old"]);
    expect(ids(view({ query: "order 77" }))).toEqual(["boris"]);
    expect(visibleRows(rows, view({ query: "tracking" }), new Map([["new", "Your tracking number is"]])).map((r) => r.dialog.id)).toEqual(["new"]);
  });

  it("counts unread open dialogs for the header", () => {
    expect(unreadDialogs(rows)).toBe(3);
  });
});

describe("step", () => {
  it("moves down and up the visible list and stops at its ends", () => {
    const list = visibleRows(rowsOf(true, dialog("a", { last_activity: 3 }), dialog("b", { last_activity: 2 })), view());
    expect(step(list, null, 1)).toBe("a");
    expect(step(list, "a", 1)).toBe("b");
    expect(step(list, "b", 1)).toBe("b");
    expect(step(list, "b", -1)).toBe("a");
    expect(step([], "a", 1)).toBe(null);
  });
});

describe("the list drawn in part", () => {
  it("knows each row's height from what it shows, and which rows lie in a stretch of the list", () => {
    // Every row has the line under the name (its channel, and who is in charge): found ones one more.
    expect([rowHeight(false), rowHeight(true)]).toEqual([77, 93]);
    const offsets = [0, 50, 100, 150, 200];
    expect(rowsAround(offsets, 0, 100)).toEqual([0, 2]);
    expect(rowsAround(offsets, 60, 110)).toEqual([1, 3]);
    expect(rowsAround(offsets, -400, 10_000)).toEqual([0, 4]);
    expect(rowsAround(offsets, 500, 900)).toEqual([4, 4]);
    expect(rowsAround([0], 0, 800)).toEqual([0, 0]);
  });
});

describe("a row's avatar, times and wait", () => {
  it("shows up to two initials, and the same colour for the same name", () => {
    expect([initials("Vera Nova"), initials("  anna  "), initials("Jean-Luc de la Tour"), initials("   "), initials("øyvind ås")]).toEqual(["VN", "A", "JD", "?", "ØÅ"]);
    expect(avatarHue("Vera")).toBe(avatarHue("Vera"));
    const hues = new Set(["Anna", "Boris", "Clara", "Dmitri", "Elena", "Fedor", "Galina", "Hugo", "Vera", "Walter"].map(avatarHue));
    expect(hues.size).toBeGreaterThan(3);
    for (const h of hues) expect(h >= 0 && h < AVATAR_HUES).toBe(true);
  });

  it("gives the last message's time today, the weekday this week, the date before", () => {
    const now = new Date(2026, 11, 4, 15, 30).getTime();
    expect(lastTime(new Date(2026, 11, 4, 9, 5).getTime(), now)).toBe("09:05");
    expect(lastTime(new Date(2026, 11, 1, 23, 0).getTime(), now)).toBe("Tue");
    expect(lastTime(new Date(2026, 10, 20, 12, 0).getTime(), now)).toBe("20 Nov");
  });

  it("says the time left to reply under the limit, or how long overdue, as time passes", () => {
    const d = dialog("a", { waiting_since: 1_000_000 });
    expect(deadline(d, undefined, 1_000_000)).toBeUndefined();
    expect(deadline(d, 300, 1_000_000 + 60_000)).toEqual({ overdue: false, words: "4 min left" });
    expect(deadline(d, 300, 1_000_000 + 300_000)).toEqual({ overdue: true, words: "<1 min over" });
    expect(deadline(d, 300, 1_000_000 + 17 * 60_000)).toEqual({ overdue: true, words: "12 min over" });
    expect(deadline(dialog("b", { waiting_since: undefined }), 300, 0)).toBeUndefined();
    expect(deadline(dialog("c", { status: "closed" }), 300, 0)).toBeUndefined();
  });

  it("counts the wait of an open dialog that needs an answer, and of no other", () => {
    expect(waitingSince(dialog("a", { waiting_since: 500 }))).toBe(500);
    expect(waitingSince(dialog("a", { needs_answer: false }))).toBeUndefined();
    expect(waitingSince(dialog("a", { status: "closed" }))).toBeUndefined();
    const t = 1_000_000_000;
    expect([waited(t, t + 30_000), waited(t, t + 12 * 60_000), waited(t, t + 3 * 3_600_000 + 5), waited(t, t + 50 * 3_600_000), waited(t + 5, t)]).toEqual([
      "<1 min",
      "12 min",
      "3 h",
      "2 d",
      "<1 min",
    ]);
  });
});
