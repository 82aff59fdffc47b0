import { describe, expect, it, vi } from "vitest";
import type { MessageView } from "../protocol/protocol";
import { Outbox, unstored, type Outgoing } from "./outbox";
import { RequestError, type Ack } from "./socket";

function server() {
  const stored = new Map<string, MessageView>();
  let online = false;
  const refuse = new Map<string, RequestError>();
  const send = async (item: Outgoing): Promise<Ack> => {
    if (!online) throw new RequestError("offline", "not connected");
    const refusal = refuse.get(item.text);
    if (refusal) throw refusal;
    let m = stored.get(item.client_id);
    if (!m) {
      m = { id: `m${stored.size + 1}`, dialog_id: "d1", seq: stored.size + 1, client_id: item.client_id, kind: "visitor", text: item.text, created_at: 0 };
      stored.set(item.client_id, m);
    }
    return { type: "ack", request_id: "r", message: m };
  };
  return { stored, send, refuse, setOnline: (v: boolean) => (online = v) };
}

describe("Outbox", () => {
  it("queues sends while offline and delivers each once, in order, with its first client id", async () => {
    const s = server();
    const shown: MessageView[] = [];
    const box = new Outbox({ send: s.send, onStored: (_, m) => m && shown.push(m) });
    const a = box.add({ kind: "send", text: "one" });
    const b = box.add({ kind: "send", text: "two" });
    await box.flush();
    expect(box.list.map((i) => i.text)).toEqual(["one", "two"]);
    s.setOnline(true);
    await box.flush();
    await box.flush();
    expect(box.list).toEqual([]);
    expect(shown.map((m) => [m.text, m.client_id])).toEqual([["one", a.client_id], ["two", b.client_id]]);
    expect(s.stored.size).toBe(2);
  });

  it("a resend after the ack was lost is the same message, not a second one", async () => {
    const s = server();
    s.setOnline(true);
    let lose = true;
    const box = new Outbox({
      send: async (i) => {
        const ack = await s.send(i);
        if (lose) {
          lose = false;
          throw new RequestError("offline", "connection closed");
        }
        return ack;
      },
      onStored: () => {},
    });
    box.add({ kind: "send", text: "hello" });
    await Promise.resolve();
    await box.flush();
    expect(box.list).toEqual([]);
    expect(s.stored.size).toBe(1);
  });

  it("marks a refused message failed with the reason and goes on with the next", async () => {
    const s = server();
    s.setOnline(true);
    s.refuse.set("too long", new RequestError("text_too_long", "at most 2000 characters"));
    const changes: (readonly Outgoing[])[] = [];
    const box = new Outbox({ send: s.send, onStored: () => {}, onChange: (l) => changes.push(l) });
    box.add({ kind: "send", text: "too long" });
    box.add({ kind: "send", text: "fine" });
    await box.flush();
    await new Promise((r) => setTimeout(r, 0));
    expect(box.list).toHaveLength(1);
    expect(box.list[0].failed).toEqual({ code: "text_too_long", reason: "at most 2000 characters" });
    expect([...s.stored.values()].map((m) => m.text)).toEqual(["fine"]);
    expect(changes.length).toBeGreaterThan(2);
  });

  it("waits as long as the server says when sent too fast, then sends the same message once, in order", async () => {
    vi.useFakeTimers();
    try {
      const s = server();
      s.setOnline(true);
      s.refuse.set("two", new RequestError("rate_limited", "too fast", 700));
      let now = 10_000;
      const box = new Outbox({ send: s.send, onStored: () => {}, now: () => now });
      const one = box.add({ kind: "send", text: "one" });
      const two = box.add({ kind: "send", text: "two" });
      box.add({ kind: "send", text: "three" });
      await box.flush();
      expect([...s.stored.values()].map((m) => m.text)).toEqual(["one"]);
      expect(box.list.map((i) => i.text)).toEqual(["two", "three"]);
      expect(box.list.every((i) => !i.failed)).toBe(true);
      expect(box.waitingUntil).toBe(10_700);
      // A reconnect meanwhile does not send early.
      await box.flush();
      expect(s.stored.size).toBe(1);
      s.refuse.delete("two");
      now += 700;
      await vi.advanceTimersByTimeAsync(700);
      await box.flush();
      expect(box.waitingUntil).toBeNull();
      expect(box.list).toEqual([]);
      expect([...s.stored.values()].map((m) => m.text)).toEqual(["one", "two", "three"]);
      expect([...s.stored.keys()].slice(0, 2)).toEqual([one.client_id, two.client_id]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("starts from what was kept across a page load", async () => {
    const s = server();
    s.setOnline(true);
    const box = new Outbox({ send: s.send, onStored: () => {}, initial: [{ client_id: "kept", kind: "send", text: "before reload", created_at: 1 }] });
    await box.flush();
    expect(s.stored.get("kept")?.text).toBe("before reload");
  });

  it("a flush asked for just as a failing send gives up still sends", async () => {
    const s = server();
    const box = new Outbox({ send: s.send, onStored: () => {} });
    box.add({ kind: "send", text: "late" });
    s.setOnline(true);
    // The failed send's drain is past its last look at the queue but not finished yet.
    await Promise.resolve();
    await box.flush();
    expect(s.stored.size).toBe(1);
    expect(box.list).toEqual([]);
  });
});

describe("unstored", () => {
  it("leaves out what the timeline already holds, by client id, in the outbox's order", () => {
    const item = (client_id: string): Outgoing => ({ client_id, kind: "send", text: client_id, created_at: 1 });
    const stored = { id: "m1", dialog_id: "d1", seq: 1, client_id: "b", kind: "visitor", text: "b", created_at: 1 } as MessageView;
    expect(unstored([item("a"), item("b"), item("c")], [stored]).map((i) => i.client_id)).toEqual(["a", "c"]);
    expect(unstored([], [stored])).toEqual([]);
  });
});
