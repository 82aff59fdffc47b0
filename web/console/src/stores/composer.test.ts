import { afterEach, describe, expect, it, vi } from "vitest";
import { dialog, file, ME, message, settle, signedIn } from "./testing";

afterEach(() => vi.useRealTimers());

const png = file("att_1", { name: "a.png" });

describe("the composer's store", () => {
  it("a send joins first, takes the finished files and the draft, and goes through the outbox", async () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("d1"));
    store.composer.typed("d1", "hello");
    store.attachments.setTray("d1", { chips: [{ key: "k", name: "a.png", size: 10, progress: 1, state: "done", upload: "up_1", attachment: png }], refused: [] });
    socket.answer = async (a) =>
      a.action === "assign"
        ? { type: "ack", request_id: "r", dialog: dialog("d1", { seq: 2, participants: [{ id: ME, name: "Mia" }] }) }
        : { type: "ack", request_id: "r", dialog: dialog("d1", { seq: 3, participants: [{ id: ME, name: "Mia" }] }), message: message("d1", 3, { kind: "operator", client_id: a.action === "message" && "client_id" in a ? a.client_id : "" }) };
    await store.composer.send("d1", "hello", false, 1);
    expect(store.composer.drafts.value.has("d1")).toBe(false);
    expect(store.attachments.trays.value.has("d1")).toBe(false);
    expect(store.composer.pending.value).toHaveLength(1);
    await store.composer.flush();
    expect(socket.sent[0]).toEqual({ action: "assign", op: "join", dialog_id: "d1" });
    expect(socket.sent[1]).toMatchObject({ action: "message", op: "send", dialog_id: "d1", text: "hello", reply_to: 1, uploads: ["up_1"] });
    expect(store.composer.pending.value).toEqual([]);
    expect(store.sidebar.rows.value.get("d1")?.dialog.seq).toBe(3);
  });

  it("a whisper neither joins nor takes the files", async () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("d1"));
    const tray = { chips: [{ key: "k", name: "a.png", size: 10, progress: 1, state: "done" as const, upload: "up_1", attachment: png }], refused: [] };
    store.attachments.setTray("d1", tray);
    await store.composer.send("d1", "psst", true);
    await store.composer.flush();
    expect(socket.sent).toEqual([expect.objectContaining({ action: "message", op: "whisper", text: "psst" })]);
    expect(store.attachments.tray("d1")).toEqual(tray);
  });

  it("tells the visitor I type at most every four seconds, and only in a dialog I am connected to", () => {
    vi.useFakeTimers();
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("d1"));
    store.composer.typed("d1", "h");
    expect(socket.sent).toEqual([]);
    expect(store.composer.drafts.value.get("d1")).toBe("h");
    store.sidebar.upsert(dialog("d1", { seq: 2, participants: [{ id: ME, name: "Mia" }] }));
    store.composer.typed("d1", "he");
    store.composer.typed("d1", "hel");
    vi.advanceTimersByTime(4000);
    store.composer.typed("d1", "hell");
    store.composer.typed("d1", "");
    expect(socket.sent).toEqual([
      { action: "message", op: "typing", dialog_id: "d1", typing: true },
      { action: "message", op: "typing", dialog_id: "d1", typing: true },
      { action: "message", op: "typing", dialog_id: "d1", typing: false },
    ]);
    expect(store.composer.drafts.value.has("d1")).toBe(false);
  });

  it("says I type again as soon as my message is stored, not when the last signal is four seconds old", async () => {
    vi.useFakeTimers();
    const { store, socket } = signedIn();
    const connected = dialog("d1", { seq: 2, participants: [{ id: ME, name: "Mia" }] });
    store.sidebar.upsert(connected);
    socket.answer = async (a) =>
      a.action === "message" && a.op === "send"
        ? { type: "ack", request_id: "r", dialog: { ...connected, seq: 3 }, message: message("d1", 3, { kind: "operator", client_id: a.client_id }) }
        : { type: "ack", request_id: "r" };
    store.composer.typed("d1", "hello");
    await store.composer.send("d1", "hello", false);
    // The follow-up begins before the ack is back: it is told when the ack comes.
    store.composer.typed("d1", "and");
    await store.composer.flush();
    store.composer.typed("d1", "and one more");
    const typing = socket.sent.filter((a) => a.action === "message" && a.op === "typing");
    expect(typing).toEqual([
      { action: "message", op: "typing", dialog_id: "d1", typing: true },
      { action: "message", op: "typing", dialog_id: "d1", typing: true },
    ]);
    expect(socket.sent.map((a) => a.op)).toEqual(["typing", "send", "typing"]);
  });

  it("a whisper ends the typing the visitor was shown", async () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("d1", { seq: 2, participants: [{ id: ME, name: "Mia" }] }));
    store.composer.typed("d1", "psst");
    await store.composer.send("d1", "psst", true);
    expect(socket.sent.slice(0, 2)).toEqual([
      { action: "message", op: "typing", dialog_id: "d1", typing: true },
      { action: "message", op: "typing", dialog_id: "d1", typing: false },
    ]);
  });

  it("sends a stored file again from the panel, after joining", async () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("d1"));
    const links = { id: "att_1", url: "https://files/a", expires_at: 1 };
    await store.composer.resend("d1", { attachment: png, seq: 4, kind: "visitor", sent_at: 1, links, resend: "again_1" });
    await settle();
    expect(socket.sent[0]).toEqual({ action: "assign", op: "join", dialog_id: "d1" });
    expect(socket.sent[1]).toMatchObject({ action: "message", op: "send", text: "", uploads: ["again_1"] });
  });
});
