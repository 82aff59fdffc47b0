import { describe, expect, it } from "vitest";
import type { MessageView } from "../protocol/protocol";
import { applyReceipt, catchUpAfter, latestSeq, mergeMessages } from "./timeline";

const msg = (seq: number, kind: MessageView["kind"] = "visitor", status?: MessageView["status"]): MessageView => ({
  id: `m${seq}`,
  dialog_id: "d1",
  seq,
  client_id: `c${seq}`,
  kind,
  text: `text ${seq}`,
  created_at: seq,
  ...(status ? { status } : {}),
});

describe("mergeMessages", () => {
  it("keeps each seq once, in order, whatever order and how often it arrives", () => {
    const first = mergeMessages([], [msg(3), msg(1)]);
    const again = mergeMessages(first, [msg(2), msg(3), msg(1)]);
    expect(again.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("never takes a delivery status back", () => {
    const read = [msg(1, "operator", { status: "read" })];
    const merged = mergeMessages(read, [msg(1, "operator", { status: "delivered" })]);
    expect(merged[0].status).toEqual({ status: "read" });
    expect(mergeMessages([msg(1, "operator")], [msg(1, "operator", { status: "queued" })])[0].status).toEqual({
      status: "queued",
    });
  });
});

describe("applyReceipt", () => {
  it("marks what the visitor received: operator messages up to the seq, not whispers or later ones", () => {
    const list = [msg(1, "operator", { status: "queued" }), msg(2, "whisper"), msg(3, "visitor"), msg(4, "operator")];
    const out = applyReceipt(list, "visitor", "delivered", 3);
    expect(out.map((m) => m.status?.status)).toEqual(["delivered", undefined, undefined, undefined]);
  });

  it("marks the visitor's own messages when the operators read them, and read is never undone", () => {
    const list = [msg(1), msg(2)];
    const read = applyReceipt(list, "operators", "read", 2);
    expect(read.map((m) => m.status?.status)).toEqual(["read", "read"]);
    expect(applyReceipt(read, "operators", "delivered", 2)).toBe(read);
  });

  it("gives the newest seq as the catch-up cursor", () => {
    expect(latestSeq([])).toBe(0);
    expect(latestSeq(mergeMessages([], [msg(7), msg(9)]))).toBe(9);
  });
});

describe("catchUpAfter", () => {
  it("follows next_after page by page from the newest seq held, and stops when there is no more", async () => {
    const asked: number[] = [];
    const got: number[] = [];
    const pages: Record<number, { messages: MessageView[]; next_after?: number }> = {
      2: { messages: [msg(3), msg(4)], next_after: 4 },
      4: { messages: [msg(5)], next_after: 5 },
      5: { messages: [] },
    };
    await catchUpAfter(2, async (after) => (asked.push(after), pages[after]), (ms) => got.push(...ms.map((m) => m.seq)));
    expect(asked).toEqual([2, 4, 5]);
    expect(got).toEqual([3, 4, 5]);
  });

  it("stops when a page's cursor does not move forward", async () => {
    let calls = 0;
    await catchUpAfter(7, async () => (calls++, { messages: [msg(7)], next_after: 7 }), () => {});
    expect(calls).toBe(1);
  });
});
