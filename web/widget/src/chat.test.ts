// The widget's dialog state as the app drives it: a fake server that stores by client id (as the
// real one does), a storage that outlives a "page load", and the events a socket would push.
import { describe, expect, it } from "vitest";
import type { Attachment, ClientAction, HistoryPage, MessageView } from "../../protocol/protocol";
import { RequestError, type Ack } from "../../common/socket";
import { Chat, excerpt, shown, type Store } from "./chat";

function memoryStore(): Store & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const attachment: Attachment = { id: "", name: "cat.png", content_type: "image/png", size: 2048, kind: "image", width: 4, height: 3, preview: true };

function fakeServer() {
  const messages: MessageView[] = [];
  const sends: string[] = [];
  const reads: number[] = [];
  const frames: ClientAction[] = [];
  let online = true;
  const store = (m: Omit<MessageView, "id" | "dialog_id" | "seq" | "created_at">): MessageView => {
    const stored = { ...m, id: `m${messages.length + 1}`, dialog_id: "d1", seq: messages.length + 1, created_at: 0 };
    messages.push(stored);
    return stored;
  };
  const request = async (a: ClientAction): Promise<Ack> => {
    if (!online) throw new RequestError("offline", "not connected");
    if (a.action === "message" && a.op === "send") {
      sends.push(a.client_id);
      frames.push(a);
      if ([...(a.text ?? "")].length > 2000) throw new RequestError("text_too_long", "too long");
      if (a.uploads?.includes("expired")) throw new RequestError("attachment_invalid", "the upload has expired; send the file again");
      const known = messages.find((m) => m.client_id === a.client_id);
      const attachments = a.uploads?.map((u) => ({ ...attachment, id: u }));
      return { type: "ack", request_id: "r", message: known ?? store({ client_id: a.client_id, kind: "visitor", text: a.text ?? "", ...(attachments ? { attachments } : {}) }) };
    }
    if (a.action === "message" && a.op === "read") reads.push(a.up_to);
    return { type: "ack", request_id: "r" };
  };
  // Pages of two, as the real server pages them: the newest without a cursor, else before or after a seq.
  const asked: { before?: number; after?: number }[] = [];
  const history = async (c: { before?: number; after?: number }): Promise<HistoryPage> => {
    asked.push(c);
    if (!online) throw new RequestError("offline", "not connected");
    if (c.after === undefined) {
      const page = messages.filter((m) => m.seq < (c.before ?? Infinity)).slice(-2).reverse();
      const oldest = page.at(-1)?.seq ?? 0;
      return { messages: page, latest_seq: messages.length, ...(oldest > 1 ? { next_before: oldest } : {}) };
    }
    const after = c.after;
    const page = messages.filter((m) => m.seq > after).slice(0, 2);
    const last = page.at(-1)?.seq ?? after;
    return { messages: page, latest_seq: messages.length, ...(last < messages.length ? { next_after: last } : {}) };
  };
  return { messages, sends, reads, frames, asked, store, request, history, setOnline: (v: boolean) => (online = v) };
}

function newChat(server: ReturnType<typeof fakeServer>, storage: Store) {
  return new Chat({ site: "site_1", storage, request: server.request, history: server.history, onChange: () => {} });
}

describe("the widget's chat state", () => {
  it("queues what is written offline, keeps it across a page load, and sends it once with its first client id", async () => {
    const server = fakeServer();
    const storage = memoryStore();
    server.setOnline(false);
    const before = newChat(server, storage);
    expect(before.send("  first  ")).toBe(true);
    expect(before.send("second")).toBe(true);
    await before.outbox.flush();
    const ids = before.pending.map((i) => i.client_id);
    expect(before.pending.map((i) => i.text)).toEqual(["first", "second"]);

    // The page reloads while still offline; the queue comes back from storage.
    const after = newChat(server, storage);
    expect(after.pending.map((i) => i.client_id)).toEqual(ids);
    server.setOnline(true);
    await after.online();
    expect(after.pending).toEqual([]);
    expect(after.messages.map((m) => [m.text, m.client_id])).toEqual([["first", ids[0]], ["second", ids[1]]]);
    expect(server.messages).toHaveLength(2);
  });

  it("a message stored while its ack was lost is not shown twice after the catch-up and the resend", async () => {
    const server = fakeServer();
    const chat = newChat(server, memoryStore());
    server.setOnline(false);
    chat.send("hello");
    await chat.outbox.flush();
    // The server stored it (another tab, or the ack lost on the way): the catch-up brings it first.
    server.store({ client_id: chat.pending[0].client_id, kind: "visitor", text: "hello" });
    server.setOnline(true);
    await chat.online();
    chat.event({ type: "message.created", message: server.messages[0] });
    expect(chat.messages).toHaveLength(1);
    expect(chat.pending).toEqual([]);
    expect(server.messages).toHaveLength(1);
  });

  it("sends what is queued even when the catch-up fails", async () => {
    const server = fakeServer();
    const chat = new Chat({
      site: "site_1",
      storage: memoryStore(),
      request: server.request,
      history: () => Promise.reject(new Error("HTTP 502")),
      onChange: () => {},
    });
    server.setOnline(false);
    chat.send("still goes");
    server.setOnline(true);
    await expect(chat.online()).rejects.toThrow("502");
    expect(server.messages.map((m) => m.text)).toEqual(["still goes"]);
  });

  it("reads the newest page on a page view, older pages on demand, then catches up page by page from the newest held", async () => {
    const server = fakeServer();
    const chat = newChat(server, memoryStore());
    for (const text of ["a", "b", "c", "d", "e"]) server.store({ client_id: text, kind: "operator", text, author_name: "Anna" });
    await chat.online();
    expect(chat.messages.map((m) => m.text)).toEqual(["d", "e"]);
    expect(chat.olderFrom).toBe(4);
    await Promise.all([chat.loadOlder(), chat.loadOlder()]);
    await chat.loadOlder();
    expect(chat.messages.map((m) => m.text)).toEqual(["a", "b", "c", "d", "e"]);
    expect(chat.olderFrom).toBe(0);
    await chat.loadOlder();
    for (const text of ["f", "g", "h"]) server.store({ client_id: text, kind: "operator", text });
    await chat.online();
    expect(chat.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(server.asked).toEqual([{}, { before: 4 }, { before: 2 }, { after: 5 }, { after: 7 }]);
  });

  it("knows the dialog closed, and that a message reopens it; my message into it brings the reopening", async () => {
    const server = fakeServer();
    const chat = newChat(server, memoryStore());
    const system = (event: NonNullable<MessageView["event"]>) => server.store({ client_id: `s${server.messages.length}`, kind: "system", text: event.event, event });
    chat.send("hi");
    await chat.online();
    expect(chat.closed).toBe(false);
    chat.merge([system({ event: "closed", by_name: "Anna" }), system({ event: "joined", operator: "op_b", name: "Boris" })]);
    expect(chat.closed).toBe(true);
    // The server stores the reopening before my message; my ack carries my message alone.
    system({ event: "reopened", by_name: "Vera" });
    chat.send("me again");
    await chat.outbox.flush();
    await expect.poll(() => chat.messages.map((m) => m.text)).toEqual(["hi", "closed", "joined", "reopened", "me again"]);
    expect(chat.closed).toBe(false);
  });

  it("clears the conversation when an operator deletes the dialog, and counts a new one's replies from nothing", async () => {
    const server = fakeServer();
    const storage = memoryStore();
    const chat = newChat(server, storage);
    chat.send("hi");
    await chat.online();
    const reply = server.store({ client_id: "o1", kind: "operator", text: "hello" });
    expect(chat.event({ type: "message.created", message: reply })).toBe(true);
    await chat.markRead();
    expect(chat.unread).toBe(0);
    expect(storage.data.get("parlor:site_1:read")).toBe("2");

    expect(chat.event({ type: "dialog.deleted", dialog_ids: ["d1"] })).toBe(false);
    expect(chat.messages).toEqual([]);
    expect(storage.data.get("parlor:site_1:read")).toBe("0");
    // The new dialog's first reply (seq 2 again) is unread, not taken for the old one's.
    const fresh = { ...reply, id: "n2", dialog_id: "d2", client_id: "o2", text: "new" };
    expect(chat.event({ type: "message.created", message: fresh })).toBe(true);
    expect(chat.unread).toBe(1);
  });

  it("finds its dialog deleted while it was away: on a new page view, and on a reconnect", async () => {
    const server = fakeServer();
    const storage = memoryStore();
    const chat = newChat(server, storage);
    chat.send("hi");
    await chat.online();
    chat.event({ type: "message.created", message: server.store({ client_id: "o1", kind: "operator", text: "hello" }) });
    await chat.markRead();
    // Deleted meanwhile: the server holds no dialog for the visitor any more.
    server.messages.length = 0;
    await chat.online();
    expect(chat.messages).toEqual([]);

    // A page view after a delete this page never heard of: what was read counts from nothing.
    storage.setItem("parlor:site_1:read", "2");
    const later = newChat(server, storage);
    await later.online();
    expect(storage.data.get("parlor:site_1:read")).toBe("0");
    later.event({ type: "message.created", message: server.store({ client_id: "o2", kind: "operator", text: "new dialog" }) });
    expect(later.unread, "the new dialog's reply is unread").toBe(1);
  });

  it("knows the dialog is on hold until a resume or a close, whatever the visitor writes meanwhile", async () => {
    const server = fakeServer();
    const chat = newChat(server, memoryStore());
    const system = (event: NonNullable<MessageView["event"]>) => server.store({ client_id: `s${server.messages.length}`, kind: "system", text: event.event, event });
    chat.send("hi");
    await chat.online();
    expect(chat.held).toBe(false);
    chat.merge([system({ event: "held", by_name: "Anna" })]);
    expect(chat.held).toBe(true);
    chat.send("still there?");
    await chat.outbox.flush();
    expect(chat.held).toBe(true);
    chat.merge([system({ event: "resumed", by_name: "Anna", held_ms: 5000, total_held_ms: 5000 }), server.store({ client_id: "o1", kind: "operator", text: "back" })]);
    expect(chat.held).toBe(false);
    chat.merge([system({ event: "held", by_name: "" }), system({ event: "closed", by_name: "Anna" })]);
    expect(chat.held).toBe(false);
  });

  it("shows its place in the queue as pushed, asks for it when back online, and forgets it once an operator joins", async () => {
    const server = fakeServer();
    let place: number | null = 3;
    const chat = new Chat({
      site: "site_1",
      storage: memoryStore(),
      request: server.request,
      history: server.history,
      queue: async () => (place === null ? null : { type: "queue.position", dialog_id: "d1", position: place }),
      onChange: () => {},
    });
    await chat.online();
    expect(chat.queue).toBeNull();
    chat.send("anyone?");
    await chat.outbox.flush();
    await chat.online();
    await expect.poll(() => chat.queue?.position).toBe(3);
    chat.event({ type: "queue.position", dialog_id: "d1", position: 1, estimated_wait_secs: 90 });
    expect(chat.queue).toEqual({ type: "queue.position", dialog_id: "d1", position: 1, estimated_wait_secs: 90 });
    const joined = server.store({ client_id: "s1", kind: "system", text: "Anna joined the dialog", event: { event: "joined", operator: "op_a", name: "Anna", assigned: true } });
    chat.event({ type: "message.created", message: joined });
    expect(chat.queue).toBeNull();
    place = null;
    await chat.online();
    expect(chat.queue).toBeNull();
  });

  it("shows an operator's join once: a second one follows a leave the visitor never saw", () => {
    const m = (seq: number, event?: MessageView["event"]): MessageView =>
      ({ id: `m${seq}`, dialog_id: "d1", seq, client_id: `c${seq}`, kind: event ? "system" : "operator", text: "", created_at: 0, ...(event ? { event } : {}) });
    const boris = { event: "joined", operator: "op_b", name: "Boris" } as const;
    const anna = { event: "joined", operator: "op_a", name: "Anna" } as const;
    const all = [m(1, boris), m(2), m(4, anna), m(6, boris), m(7, { event: "closed", by_name: "Boris" }), m(9, { event: "reopened", by_name: "Vera" }), m(11, boris)];
    expect(shown(all).map((x) => x.seq)).toEqual([1, 2, 4, 7, 9, 11]);
  });

  it("refuses blank and over-long text before queueing it", () => {
    const chat = newChat(fakeServer(), memoryStore());
    expect(chat.send("   ")).toBe(false);
    expect(chat.send("я".repeat(2001))).toBe(false);
    expect(chat.send("я".repeat(2000))).toBe(true);
  });

  it("counts operator replies as unread until read, rings once per reply, and marks own messages read", async () => {
    const server = fakeServer();
    const storage = memoryStore();
    const chat = newChat(server, storage);
    chat.send("hi");
    await chat.outbox.flush();
    const reply = server.store({ client_id: "op1", kind: "operator", text: "Hello!", author_name: "Anna" });
    expect(chat.event({ type: "typing", dialog_id: "d1", side: "operators", name: "Anna", typing: true })).toBe(false);
    expect(chat.typing).toBe("Anna");
    expect(chat.event({ type: "message.created", message: reply })).toBe(true);
    expect(chat.typing).toBeNull();
    expect(chat.event({ type: "message.created", message: reply })).toBe(false);
    expect(chat.unread).toBe(1);
    await chat.markRead();
    expect(chat.unread).toBe(0);
    expect(server.reads).toEqual([2]);
    expect(newChat(server, storage).unread).toBe(0);

    chat.event({ type: "message.status", dialog_id: "d1", side: "operators", status: "read", up_to: 1 });
    expect(chat.messages[0].status).toEqual({ status: "read" });
  });

  it("sends files as a message of their upload tokens with empty text, kept in the outbox until stored", async () => {
    const server = fakeServer();
    const storage = memoryStore();
    server.setOnline(false);
    const chat = newChat(server, storage);
    chat.sendFiles(["up1", "up2"], [{ ...attachment, id: "a1" }, { ...attachment, id: "a2", name: "dog.png" }]);
    chat.sendFiles([], []);
    await chat.outbox.flush();
    expect(chat.pending.map((i) => i.attachments?.map((a) => a.name))).toEqual([["cat.png", "dog.png"]]);

    const after = newChat(server, storage);
    server.setOnline(true);
    await after.online();
    expect(server.frames.at(-1)).toMatchObject({ action: "message", op: "send", text: "", uploads: ["up1", "up2"] });
    expect(after.pending).toEqual([]);
    expect(after.messages[0].attachments?.map((a) => a.id)).toEqual(["up1", "up2"]);
    // Text alone goes without `uploads`.
    after.send("hi");
    await after.outbox.flush();
    expect(server.frames.at(-1)).not.toHaveProperty("uploads");
  });

  it("keeps a refused file message with the server's reason", async () => {
    const server = fakeServer();
    const chat = newChat(server, memoryStore());
    chat.sendFiles(["expired"], [{ ...attachment, id: "a1" }]);
    await chat.outbox.flush();
    expect(chat.pending[0].failed).toEqual({ code: "attachment_invalid", reason: "the upload has expired; send the file again" });
  });

  it("knows the visitor may not write while blocked: from the history, or a refusal; a message stored since clears it", async () => {
    const server = fakeServer();
    let blocked = true;
    const chat = new Chat({
      site: "site_1",
      storage: memoryStore(),
      request: (a) => (blocked && a.action === "message" && a.op === "send" ? Promise.reject(new RequestError("contact_blocked", "this contact is blocked")) : server.request(a)),
      history: async (c) => ({ ...(await server.history(c)), ...(blocked ? { blocked: true } : {}) }),
      onChange: () => {},
    });
    expect(chat.blocked).toBe(false);
    await chat.online();
    expect(chat.blocked).toBe(true);
    chat.send("Let me in");
    await chat.outbox.flush();
    expect(chat.pending[0].failed?.code).toBe("contact_blocked");
    expect(server.messages).toHaveLength(0);
    blocked = false;
    chat.outbox.retry(chat.pending[0].client_id);
    await chat.outbox.flush();
    expect(server.messages.map((m) => m.text)).toEqual(["Let me in"]);
    expect(chat.blocked).toBe(false);
  });
});

describe("the excerpt a reply shows of the message it quotes", () => {
  const message = (text: string, attachments?: Attachment[]): MessageView => ({
    id: "m1", dialog_id: "d1", client_id: "c1", seq: 1, kind: "visitor", text, created_at: 0, ...(attachments ? { attachments } : {}),
  });

  it("is the text on one line, cut short with an ellipsis, counted in characters", () => {
    expect(excerpt(message("Where is\n  my order?"))).toBe("Where is my order?");
    const long = "🙂".repeat(100);
    expect(excerpt(message(long))).toBe(`${"🙂".repeat(79)}…`);
    expect(excerpt(message("x".repeat(80)))).toBe("x".repeat(80));
  });

  it("names the files of a message that has no text", () => {
    expect(excerpt(message("", [attachment, { ...attachment, name: "bill.pdf" }]))).toBe("cat.png, bill.pdf");
  });
});
