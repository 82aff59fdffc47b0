import { describe, expect, it } from "vitest";
import type { DialogView, MessageView, SearchHit } from "../../../protocol/protocol";
import { MAX_QUERY_CHARS, MIN_TERM_CHARS } from "../../../protocol/protocol";
import { askable, answered, asked, cleared, dropHit, failed, foundIn, hitsFor, idleSearch, mergeHits } from "./search";
import { tabCounts, visibleRows, type View } from "./sidebar";
import { dialog, rowsOf, view } from "./testing";

const message = (text: string, seq = 1): MessageView => ({ id: `msg_${seq}`, dialog_id: "a", seq, client_id: "c", kind: "visitor", text, created_at: 100 });
const hit = (d: DialogView, found_in: SearchHit["found_in"], m?: MessageView): SearchHit => ({ dialog: d, found_in, ...(m ? { message: m } : {}) });

describe("askable", () => {
  it("asks the server only for a query with a word of two letters or digits, within its length", () => {
    expect(askable("  anna@exa ")).toBe("anna@exa");
    expect(askable("8 912")).toBe("8 912");
    expect(askable("Оплата")).toBe("Оплата");
    expect(askable("")).toBeNull();
    expect(askable("   ")).toBeNull();
    expect(askable("a b c !")).toBeNull();
    expect(askable("x".repeat(200))).toBe("x".repeat(200));
    expect(askable("x".repeat(201))).toBeNull();
  });

  it("holds to the server's limits: its shortest term and its longest query", () => {
    expect(askable("é".repeat(MIN_TERM_CHARS))).toBe("é".repeat(MIN_TERM_CHARS));
    expect(askable(Array.from({ length: 3 }, () => "7".repeat(MIN_TERM_CHARS - 1)).join(" "))).toBeNull();
    expect(askable("я".repeat(MAX_QUERY_CHARS))).not.toBeNull();
    expect(askable("я".repeat(MAX_QUERY_CHARS + 1))).toBeNull();
  });
});

describe("the latest query's answer", () => {
  const results = (...ids: string[]) => ({ hits: ids.map((id) => hit(dialog(id), ["name"])) });

  it("counts; an answer to an earlier query that arrives late is ignored", () => {
    const first = asked(idleSearch, "ann");
    const second = asked(first, "anna");
    // "ann" answers after "anna" was asked: stale.
    expect(answered(second, first.ticket, results("x"))).toBe(second);
    const done = answered(second, second.ticket, results("a", "b"));
    expect(done.status).toBe("done");
    expect([...hitsFor(done, "anna").keys()]).toEqual(["a", "b"]);
    // Trailing spaces are the same query; another query is not.
    expect(hitsFor(done, " anna ").size).toBe(2);
    expect(hitsFor(done, "annab").size).toBe(0);
  });

  it("is dropped when the box is cleared, even if it arrives afterwards", () => {
    const s = asked(idleSearch, "refund");
    const gone = cleared(s);
    expect(answered(gone, s.ticket, results("a"))).toBe(gone);
    expect(hitsFor(gone, "").size).toBe(0);
  });

  it("shows no hits while the next answer is on its way", () => {
    const done = answered(asked(idleSearch, "anna"), 1, results("a"));
    const next = asked(done, "anna k");
    expect(next.status).toBe("loading");
    expect(hitsFor(next, "anna").size).toBe(0);
    expect(hitsFor(next, "anna k").size).toBe(0);
  });

  it("a failure is kept only for the latest query and leaves no hits", () => {
    const s = asked(idleSearch, "anna");
    const later = asked(s, "boris");
    expect(failed(later, s.ticket, "HTTP 500")).toBe(later);
    const f = failed(later, later.ticket, "HTTP 500");
    expect(f).toMatchObject({ status: "failed", error: "HTTP 500" });
    expect(hitsFor(f, "boris").size).toBe(0);
  });

  it("forgets a dialog removed from my list", () => {
    const s = answered(asked(idleSearch, "anna"), 1, results("a", "b"));
    expect([...dropHit(s, "a").hits.keys()]).toEqual(["b"]);
    expect(dropHit(s, "zzz")).toBe(s);
  });
});

describe("mergeHits", () => {
  it("adds found dialogs not loaded yet with the server's unread, and never replaces a newer row", () => {
    const rows = rowsOf(false, dialog("live", { seq: 9, last_activity: 900 }));
    const hits = new Map([
      ["far", hit(dialog("far", { status: "closed", unread: 0, seq: 3 }), ["email"])],
      ["live", hit(dialog("live", { seq: 7, last_activity: 700, unread: 0 }), ["message"])],
    ]);
    const merged = mergeHits(rows, hits);
    expect(merged.get("far")!.dialog.status).toBe("closed");
    expect(merged.get("far")!.unread).toBe(0);
    expect(merged.get("live")!.dialog.seq).toBe(9);
    const newer = mergeHits(rows, new Map([["live", hit(dialog("live", { seq: 12, last_activity: 1200, unread: 2 }), ["name"])]]));
    expect(newer.get("live")!.dialog.seq).toBe(12);
    expect(newer.get("live")!.unread).toBe(2);
  });
});

describe("the sidebar while searching", () => {
  const rows = rowsOf(false, 
    dialog("anna", { visitor_name: "Anna", last_message: { seq: 5, kind: "visitor", text: "thanks", at: 500 }, last_activity: 500 }),
    dialog("boris", { visitor_name: "Boris", last_activity: 400 }),
    dialog("old", { visitor_name: "Olga", status: "closed", last_activity: 300 }),
    dialog("shut", { visitor_name: "Anna B", status: "closed", last_activity: 200 }),
  );

  it("shows a row the server found even when nothing loaded here matches", () => {
    const found = new Map([["boris", hit(dialog("boris"), ["email"])]]);
    const ids = (v: View, f = found) => visibleRows(rows, v, new Map(), f).map((r) => r.dialog.id);
    expect(ids(view({ query: "boris@exa" }), new Map())).toEqual([]);
    expect(ids(view({ query: "boris@exa" }))).toEqual(["boris"]);
    // The local match still counts alongside the server's.
    expect(ids(view({ query: "anna" }))).toEqual(["anna", "boris"]);
    // Tabs and filters still apply to hits.
    expect(ids(view({ query: "boris@exa", tab: "closed" }))).toEqual([]);
    expect(ids(view({ query: "boris@exa", filter: "mine" }))).toEqual([]);
  });

  it("counts the matches of each tab, so a closed match is not missed", () => {
    const found = new Map([["old", hit(dialog("old", { status: "closed" }), ["phone"])]]);
    expect(tabCounts(rows, view({ query: "anna" }), new Map(), found)).toEqual({ open: 1, closed: 2 });
    expect(tabCounts(rows, view({ query: "anna", filter: "unread" }), new Map(), found)).toEqual({ open: 1, closed: 2 });
    expect(tabCounts(rows, view({ query: "anna", filter: "mine" }), new Map(), found)).toEqual({ open: 0, closed: 0 });
    expect(tabCounts(rows, view({ query: "  " }), new Map(), found)).toEqual({});
  });
});

describe("foundIn", () => {
  it("shows the message that matched, or says the email or phone matched; a name match needs no hint", () => {
    expect(foundIn(hit(dialog("a"), ["name", "message"], message("the <b>refund</b> never came")))).toEqual({
      text: "the <b>refund</b> never came",
      label: "Found in message",
    });
    expect(foundIn(hit(dialog("a"), ["email"]))).toEqual({ label: "Found in email" });
    expect(foundIn(hit(dialog("a"), ["phone"]))).toEqual({ label: "Found in phone" });
    expect(foundIn(hit(dialog("a"), ["name"]))).toBeNull();
    expect(foundIn(undefined)).toBeNull();
  });
});
