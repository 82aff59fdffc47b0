import { describe, expect, it } from "vitest";
import type { MessageView } from "../../../protocol/protocol";
import { mergeMessages } from "../../../common/timeline";
import { lines, mark, whoWrote } from "./timeline";

const m = (seq: number, over: Partial<MessageView> = {}): MessageView => ({
  id: `m${seq}`,
  dialog_id: "d1",
  seq,
  client_id: `c${seq}`,
  kind: "visitor",
  text: `t${seq}`,
  created_at: seq,
  ...over,
});

describe("pane lines", () => {
  it("tells visitor, mine, other operators', whispers and system events apart", () => {
    expect(whoWrote(m(1), "me")).toBe("visitor");
    expect(whoWrote(m(2, { kind: "operator", author_id: "me" }), "me")).toBe("mine");
    expect(whoWrote(m(3, { kind: "operator", author_id: "boris" }), "me")).toBe("operator");
    expect(whoWrote(m(4, { kind: "whisper", author_id: "me" }), "me")).toBe("whisper");
    expect(lines([m(5, { kind: "system" })], [], "d1", "me")[0].type).toBe("system");
  });

  it("shows a pending message once: queued until stored, then the stored one only, however often it arrives", () => {
    const pending = [{ client_id: "c9", dialog_id: "d1", kind: "send" as const, text: "hi", created_at: 1 }];
    const other = [{ client_id: "cx", dialog_id: "d2", kind: "send" as const, text: "elsewhere", created_at: 1 }];
    expect(lines([m(1)], [...pending, ...other], "d1", "me").map((l) => l.type)).toEqual(["message", "pending"]);
    const stored = m(2, { kind: "operator", author_id: "me", client_id: "c9" });
    const merged = mergeMessages(mergeMessages([m(1)], [stored]), [stored, m(1)]);
    expect(lines(merged, pending, "d1", "me").map((l) => l.type)).toEqual(["message", "message"]);
  });

  it("marks my messages queued, delivered, read; others' messages carry no mark", () => {
    expect(mark(m(1, { kind: "operator" }))).toBe("queued");
    expect(mark(m(1, { kind: "operator", status: { status: "read" } }))).toBe("read");
    expect(mark(m(1))).toBe(null);
    expect(mark(m(1, { kind: "whisper" }))).toBe(null);
  });
});
