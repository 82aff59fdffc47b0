import { afterEach, describe, expect, it, vi } from "vitest";
import { signal } from "@preact/signals";
import type { HistoryPage } from "../../../protocol/protocol";
import { TimelineStore } from "./timeline";
import { message, page } from "./testing";

afterEach(() => vi.useRealTimers());

type Cursor = { before?: number; after?: number };

function timeline(history: (id: string, c?: Cursor) => Promise<HistoryPage>) {
  const notice = signal<string | null>(null);
  return { store: new TimelineStore({ history }, notice), notice };
}

describe("the timeline store", () => {
  it("loads a pane once, then older pages upward, then catches up after a reconnect", async () => {
    const asked: Cursor[] = [];
    const { store } = timeline(async (_id, c = {}) => {
      asked.push(c);
      if (c.before) return page([message("d1", 1), message("d1", 2)]);
      if (c.after) return c.after === 4 ? page([message("d1", 5)], { next_after: 5 }) : page([]);
      return page([message("d1", 3), message("d1", 4)], { next_before: 3 });
    });
    const loading = store.load("d1");
    expect(store.panes.value.get("d1")).toEqual({ messages: [], more: false, loading: true });
    await loading;
    expect(store.panes.value.get("d1")).toMatchObject({ more: true, loading: false });
    await store.loadOlder("d1");
    expect(store.panes.value.get("d1")?.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(store.panes.value.get("d1")?.more).toBe(false);
    await store.loadOlder("d1");
    await store.fetchAfter("d1");
    expect(store.panes.value.get("d1")?.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([{}, { before: 3 }, { after: 4 }, { after: 5 }]);
  });

  it("fetches what a message past the next seq skipped over, once", async () => {
    const asked: Cursor[] = [];
    const { store } = timeline(async (_id, c = {}) => {
      asked.push(c);
      if (c.after === 2) return page([message("d1", 3, { kind: "system" }), message("d1", 4, { kind: "operator" })]);
      return page([message("d1", 1), message("d1", 2)]);
    });
    await store.load("d1");
    store.add("d1", [message("d1", 4, { kind: "operator" })]);
    await vi.waitFor(() => expect(store.panes.value.get("d1")?.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]));
    store.add("d1", [message("d1", 5)]);
    expect(asked).toEqual([{}, { after: 2 }]);
  });

  it("a failed load leaves an empty pane and says so", async () => {
    const { store, notice } = timeline(async () => Promise.reject(new Error("gone")));
    await store.load("d1");
    expect(store.panes.value.get("d1")).toEqual({ messages: [], more: false, loading: false });
    expect(notice.value).toBe("Could not load the dialog: gone");
  });

  it("adds messages and receipts to loaded panes only; a reconnect keeps the open one", async () => {
    const { store } = timeline(async () => page([message("d1", 1, { kind: "operator", status: { status: "queued" } })]));
    await store.load("d1");
    await store.load("d2");
    store.add("d3", [message("d3", 1)]);
    expect(store.has("d3")).toBe(false);
    store.add("d1", [message("d1", 1, { kind: "operator" }), message("d1", 2)]);
    store.receipt({ type: "message.status", dialog_id: "d1", side: "visitor", status: "delivered", up_to: 1 });
    expect(store.panes.value.get("d1")?.messages.map((m) => [m.seq, m.status?.status])).toEqual([[1, "delivered"], [2, undefined]]);
    const kept = store.keepOnly("d1");
    expect(kept?.messages).toHaveLength(2);
    expect([...store.panes.value.keys()]).toEqual(["d1"]);
    expect(store.keepOnly(null)).toBeUndefined();
    expect(store.panes.value.size).toBe(0);
  });

  it("the visitor's typing goes after six seconds without news", () => {
    vi.useFakeTimers();
    const { store } = timeline(async () => page([]));
    store.setTyping("d1", true);
    vi.advanceTimersByTime(3000);
    store.setTyping("d1", true);
    vi.advanceTimersByTime(3500);
    expect(store.typing.value.has("d1")).toBe(true);
    vi.advanceTimersByTime(3000);
    expect(store.typing.value.has("d1")).toBe(false);
  });
});
