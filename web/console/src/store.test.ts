import { describe, expect, it } from "vitest";
import type { Api } from "./api";
import { RequestError } from "../../common/socket";
import { dialog, me, message, page, settle, signedIn } from "./stores/testing";

const card = (id: string) => ({ id: `vis_${id}`, site: "site_1", name: id, source: {}, created_at: 1 });

/** The HTTP answers of a catch-up: both lists, the team, my quick replies. */
function lists(over: Partial<Api> = {}): Partial<Api> {
  return {
    dialogs: async (status) => ({ dialogs: status === "open" ? [dialog("d1", { unread: 1 }), dialog("d2")] : [dialog("d3", { status: "closed" })], unread_dialogs: 1 }),
    operators: async () => ({ operators: [me] }),
    quickReplies: async () => ({ quick_replies: [{ id: "q1", title: "Hi", text: "Hello, %name%", created_at: 1 }] }),
    chatHandling: async () => ({ reply_time_limit_secs: 600, distribution: false, max_active_chats: 5, held_counts_against_limit: false, hand_back_after_secs: 300 }),
    ...over,
  };
}

describe("the root store's catch-up after every open", () => {
  it("loads the lists, keeps only the open dialog's pane and card, catches it up, reads it and flushes the outbox", async () => {
    const asked: string[] = [];
    const { store, socket } = signedIn(
      lists({
        history: async (id, c = {}) => (asked.push(`history ${id} ${JSON.stringify(c)}`), c.after ? page([message(id, 2)]) : page([message(id, 1)])),
        visitorCard: async (id) => (asked.push(`card ${id}`), card(id)),
      }),
    );
    await store.timeline.load("d1");
    await store.timeline.load("d2");
    await store.visitor.load("d1");
    await store.visitor.load("d2");
    store.dialog.selected.value = "d1";
    store.composer.typed("d1", "queued");
    socket.answer = async () => Promise.reject(new RequestError("offline", "not connected"));
    await store.composer.send("d1", "queued", true);
    socket.answer = async () => ({ type: "ack", request_id: "r" });
    asked.length = 0;
    socket.sent.length = 0;

    socket.options.onOpen?.();
    await settle();
    await store.composer.flush();

    expect([...store.sidebar.rows.value.keys()]).toEqual(["d1", "d2", "d3"]);
    expect(store.workspace.operators.value).toEqual([me]);
    expect(store.quickReplies.replies.value.map((q) => q.id)).toEqual(["q1"]);
    // The reply-time limit, for the sidebar's processing order.
    expect(store.sidebar.replyLimitSecs.value).toBe(600);
    expect([...store.timeline.panes.value.keys()]).toEqual(["d1"]);
    expect([...store.visitor.cards.value.keys()]).toEqual(["d1"]);
    expect(asked).toEqual(["card d1", 'history d1 {"after":1}']);
    expect(store.timeline.panes.value.get("d1")?.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(socket.sent).toEqual([
      { action: "message", op: "read", dialog_id: "d1", up_to: 2 },
      expect.objectContaining({ action: "message", op: "whisper", text: "queued" }),
    ]);
  });

  it("says when the lists could not load, and still flushes the outbox", async () => {
    const { store, socket } = signedIn(lists({ operators: async () => Promise.reject(new Error("down")) }));
    store.sidebar.upsert(dialog("d1"));
    socket.answer = async () => Promise.reject(new RequestError("offline", "not connected"));
    await store.composer.send("d1", "psst", true);
    await store.composer.flush();
    expect(store.composer.pending.value).toHaveLength(1);
    socket.answer = async () => ({ type: "ack", request_id: "r" });
    socket.sent.length = 0;
    socket.options.onOpen?.();
    await settle();
    await store.composer.flush();
    expect(store.notice.value).toBe("Could not load dialogs: down");
    expect(socket.sent).toEqual([expect.objectContaining({ action: "message", op: "whisper", text: "psst" })]);
    expect(store.composer.pending.value).toEqual([]);
  });
});
