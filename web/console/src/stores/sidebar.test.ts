import { afterEach, describe, expect, it, vi } from "vitest";
import { signal } from "@preact/signals";
import type { DeletedDialogs, DialogPage, DialogStatus, OperatorView, SearchResults, TagView } from "../../../protocol/protocol";
import { SEARCH_DEBOUNCE_MS } from "../state/search";
import { allTags, toggle } from "../state/tags";
import { MAX_DELETE, SidebarStore, type Drafts } from "./sidebar";
import { dialog, me, settle } from "./testing";

afterEach(() => vi.useRealTimers());

type Pages = (status: DialogStatus, cursor?: string) => Promise<DialogPage>;

type Deletes = (ids: readonly string[]) => Promise<DeletedDialogs>;

function sidebar(
  search: (q: string, s?: AbortSignal) => Promise<SearchResults> = async () => ({ hits: [] }),
  who: OperatorView | null = me,
  dialogs: Pages = async () => ({ dialogs: [], unread_dialogs: 0 }),
  deleteDialogs: Deletes = async (ids) => ({ deleted: [...ids] }),
) {
  const drafts = signal<Drafts>(new Map());
  const store = new SidebarStore({ search, dialogs, deleteDialogs }, { me: signal(who), drafts });
  return { store, drafts };
}

/** `count` open dialogs, newest activity first, in pages of `size` with cursors "c1", "c2", … */
function pagedServer(count: number, size: number) {
  const all = Array.from({ length: count }, (_, i) => dialog(`d${i}`, { last_activity: 10_000 - i, unread: 1 }));
  const asked: (string | undefined)[] = [];
  const pages: Pages = async (_status, cursor) => {
    asked.push(cursor);
    const at = cursor ? Number(cursor.slice(1)) * size : 0;
    const next = at + size < count ? `c${at / size + 1}` : undefined;
    return { dialogs: all.slice(at, at + size), unread_dialogs: size, ...(next ? { next_cursor: next } : {}) };
  };
  return { all, asked, pages };
}

describe("the sidebar store", () => {
  it("filters by the dialogs' tags over the workspace's tags: AND, none, a deleted tag ignored", () => {
    const tags = signal<ReadonlyMap<string, TagView>>(new Map([["t1", { id: "t1", name: "VIP", colour: "#123456", dialogs: 2 }]]));
    const store = new SidebarStore({ search: async () => ({ hits: [] }), dialogs: async () => ({ dialogs: [], unread_dialogs: 0 }), deleteDialogs: async () => ({ deleted: [] }) }, { me: signal(me), drafts: signal(new Map()), tags });
    store.load([
      dialog("vip", { tags: [{ tag: "t1", pinned: true }] }),
      dialog("gone", { tags: [{ tag: "t2", pinned: false }] }),
      dialog("none"),
    ]);
    const ids = () => store.visible.value.map((r) => r.dialog.id).sort();
    expect(ids()).toEqual(["gone", "none", "vip"]);
    store.view.value = { ...store.view.value, tags: toggle(allTags, "t1") };
    expect(ids()).toEqual(["vip"]);
    store.view.value = { ...store.view.value, tags: { ...allTags, none: true } };
    expect(ids(), "a deleted tag's id counts as no tag").toEqual(["gone", "none"]);
    // The tag t2 defined after all (the list read again): it counts.
    tags.value = new Map([...tags.value, ["t2", { id: "t2", name: "Lead", colour: "#654321", dialogs: 1 }]]);
    expect(ids()).toEqual(["none"]);
  });

  it("loads the lists: a row keeps its ring, a new one rings as the server would, found dialogs stay", () => {
    const { store } = sidebar();
    store.upsert(dialog("d1"), true);
    store.load([dialog("d1"), dialog("d2"), dialog("d3", { participants: [{ id: "op_2", name: "Oleg" }] }), dialog("d4", { needs_answer: false })]);
    const ringing = [...store.rows.value.values()].map((r) => [r.dialog.id, r.ringing]);
    expect(ringing).toEqual([["d1", true], ["d2", true], ["d3", false], ["d4", false]]);
    expect(store.ringing.value).toBe(true);
    expect(store.unreadDialogs.value).toBe(4);
  });

  it("keeps what events brought while the lists were on their way: a new dialog, a newer summary, a removal", () => {
    const { store } = sidebar();
    store.load([dialog("d1"), dialog("d2")]);
    const before = store.rows.value;
    store.upsert(dialog("new"), true);
    store.upsert(dialog("d1", { visitor_name: "Vera (newer)" }));
    store.remove("d2");
    // The lists were read before those events: they know d1's older summary and d2, not "new".
    store.load([dialog("d1"), dialog("d2")], before);
    expect([...store.rows.value.keys()].sort()).toEqual(["d1", "new"]);
    expect(store.rows.value.get("d1")?.dialog.visitor_name).toBe("Vera (newer)");
    expect(store.rows.value.get("new")?.ringing).toBe(true);
  });

  it("follows the list's cursor page by page until the end; every open dialog counts as unread", async () => {
    const server = pagedServer(250, 100);
    const { store } = sidebar(undefined, me, server.pages);
    const n = store.begin();
    store.page("open", await server.pages("open"), n);
    expect(store.rows.value.size).toBe(100);
    expect(store.listings.value.open).toEqual({ next: "c1", complete: false, loading: false });
    await Promise.all([store.loadAll("open"), store.more("open")]);
    expect(store.rows.value.size).toBe(250);
    expect(store.unreadDialogs.value).toBe(250);
    expect(store.listings.value.open).toEqual({ next: undefined, complete: true, loading: false });
    expect(server.asked).toEqual([undefined, "c1", "c2"]);
    expect(await store.more("open")).toBe(false);
  });

  it("a new round drops, page by page, the rows its pages passed over, and ignores an older round's pages", async () => {
    const server = pagedServer(250, 100);
    const { store } = sidebar(undefined, me, server.pages);
    store.begin();
    store.page("open", await server.pages("open"));
    await store.loadAll("open");
    // While offline, d5 and d200 were handed away from me; the next round lists the rest.
    const gone = new Set(["d5", "d200"]);
    const stale = store.begin();
    const n = store.begin();
    const first = await server.pages("open");
    store.page("open", { ...first, dialogs: first.dialogs.filter((d) => !gone.has(d.id)) }, stale);
    expect(store.rows.value.has("d5")).toBe(true);
    store.page("open", { ...first, dialogs: first.dialogs.filter((d) => !gone.has(d.id)) }, n);
    // d5 was passed over; d200 lies below what this page covers, and stays for now.
    expect(store.rows.value.has("d5")).toBe(false);
    expect(store.rows.value.has("d200")).toBe(true);
    for (const c of ["c1", "c2"]) {
      const p = await server.pages("open", c);
      store.page("open", { ...p, dialogs: p.dialogs.filter((d) => !gone.has(d.id)) }, n);
    }
    expect(store.rows.value.has("d200")).toBe(false);
    expect(store.rows.value.size).toBe(248);
  });

  it("an away operator's lists ring for nothing", () => {
    const { store } = sidebar(undefined, { ...me, status: "away" });
    store.load([dialog("d1")]);
    expect(store.ringing.value).toBe(false);
  });

  it("asks the server once typing pauses, counts only the latest answer and merges its hits", async () => {
    vi.useFakeTimers();
    const asked: string[] = [];
    const { store } = sidebar(async (q) => {
      asked.push(q);
      return { hits: [{ dialog: dialog("found", { status: "closed" }), found_in: ["email"] }] };
    });
    store.setQuery("an");
    store.setQuery("anna");
    expect(store.search.value.status).toBe("loading");
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    await settle();
    expect(asked).toEqual(["anna"]);
    expect(store.rows.value.has("found")).toBe(true);
    expect(store.found.value.has("found")).toBe(true);
    expect(store.tabCounts.value).toEqual({ open: 0, closed: 1 });
    // The same query again asks nothing.
    store.setQuery("anna ");
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    expect(asked).toEqual(["anna"]);
    store.remove("found");
    expect(store.search.value.hits.has("found")).toBe(false);
  });

  it("clearing the box cancels the request on its way; a failure is kept for the note", async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const { store } = sidebar((_q, s) => {
      signal = s;
      return new Promise((_ok, fail) => s?.addEventListener("abort", () => fail(new Error("aborted"))));
    });
    store.setQuery("anna");
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    store.setQuery("");
    expect(signal?.aborted).toBe(true);
    await settle();
    expect(store.search.value.status).toBe("idle");

    const failing = sidebar(async () => Promise.reject(new Error("down"))).store;
    failing.setQuery("anna");
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    await settle();
    expect(failing.search.value).toMatchObject({ status: "failed", error: "down" });
  });

  it("drafts count for the list only while searching", () => {
    const { store, drafts } = sidebar();
    store.load([dialog("d1"), dialog("d2")]);
    drafts.value = new Map([["d2", "about the refund"]]);
    expect(store.visible.value).toHaveLength(2);
    store.view.value = { ...store.view.value, query: "refund" };
    expect(store.visible.value.map((r) => r.dialog.id)).toEqual(["d2"]);
  });
});

describe("ticked rows", () => {
  it("are deleted a hundred to a request, and unticked once all went", async () => {
    const asked: string[][] = [];
    // The server deletes all but "d3" (gone already) and fails the third request.
    const deletes: Deletes = async (ids) => {
      asked.push([...ids]);
      if (asked.length === 3) throw new Error("down");
      return { deleted: ids.filter((id) => id !== "d3") };
    };
    const { store } = sidebar(undefined, me, undefined, deletes);
    const ids = Array.from({ length: 2 * MAX_DELETE + 5 }, (_, i) => `d${i}`);
    store.pickOnly(ids);
    await expect(store.deletePicked()).rejects.toThrow("down");
    expect(asked.map((a) => a.length)).toEqual([MAX_DELETE, MAX_DELETE, 5]);
    expect(store.picked.value.size, "a failure keeps the ticks: the same delete again finishes").toBe(ids.length);

    asked.length = 0;
    store.pickOnly(["d1", "d3"]);
    expect(await store.deletePicked()).toEqual(["d1"]);
    expect(store.picked.value.size).toBe(0);
  });

  it("are unticked when their row leaves the list", () => {
    const { store } = sidebar();
    store.upsert(dialog("d1"));
    store.upsert(dialog("d2"));
    store.pick("d1", true);
    store.pick("d2", true);
    store.pick("d2", false);
    expect([...store.picked.value]).toEqual(["d1"]);
    store.remove("d1");
    expect(store.picked.value.size).toBe(0);
  });
});
