import { describe, expect, it } from "vitest";
import { RequestError } from "../../../common/socket";
import { dialog, ME, me, message, page, settle, signedIn } from "./testing";

const joined = (id: string) => dialog(id, { seq: 2, participants: [{ id: ME, name: "Mia" }], assignee: { id: ME, name: "Mia" } });

describe("the open dialog's store", () => {
  it("a click opens the dialog: its card and history load, I join it, and read it", async () => {
    const asked: string[] = [];
    const { store, socket } = signedIn({
      history: async (id) => (asked.push(`history ${id}`), page([message(id, 1)])),
      visitorCard: async (id) => (asked.push(`card ${id}`), { id: "vis_d1", site: "site_1", name: "Vera", source: {}, created_at: 1 }),
    });
    socket.answer = async (a) => ({ type: "ack", request_id: "r", ...(a.action === "assign" ? { dialog: joined("d1") } : {}) });
    store.sidebar.upsert(dialog("d1"));
    await store.dialog.open("d1", true);
    await settle();
    expect(store.dialog.selected.value).toBe("d1");
    expect(asked).toEqual(["card d1", "history d1"]);
    expect(socket.sent).toEqual([
      { action: "assign", op: "join", dialog_id: "d1" },
      { action: "message", op: "read", dialog_id: "d1", up_to: 1 },
    ]);
    expect(store.dialog.connected("d1")).toBe(true);
    expect(store.sidebar.rows.value.get("d1")?.unread).toBe(0);
    // Opened again: nothing is asked twice, and I am connected already.
    await store.dialog.open("d1", true);
    expect(asked).toHaveLength(2);
    expect(socket.sent).toHaveLength(2);
  });

  it("Alt+arrows only look: no join", async () => {
    const { store, socket } = signedIn({ history: async () => page([]), visitorCard: () => new Promise(() => {}) });
    store.sidebar.upsert(dialog("d1", { unread: 0 }));
    await store.dialog.open("d1", false);
    expect(socket.sent).toEqual([]);
  });

  it("a refused command is a notice; a transfer by an operator forgets the dialog, by an admin keeps it", async () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("d1"));
    store.dialog.selected.value = "d1";
    socket.answer = async () => Promise.reject(new RequestError("forbidden", "not yours"));
    expect(await store.dialog.command({ action: "close", op: "close", dialog_id: "d1" })).toBe(false);
    expect(store.notice.value).toBe("not yours");

    socket.answer = async () => ({ type: "ack", request_id: "r", dialog: dialog("d1", { seq: 3 }), message: message("d1", 3, { kind: "system" }) });
    expect(await store.dialog.transfer("d1", "op_2", "VIP")).toBe(true);
    expect(socket.sent.at(-1)).toEqual({ action: "assign", op: "transfer", dialog_id: "d1", to: "op_2", comment: "VIP" });
    expect(store.sidebar.rows.value.has("d1")).toBe(false);
    expect(store.dialog.selected.value).toBeNull();

    const admin = signedIn({}, { ...me, role: "admin" });
    admin.store.sidebar.upsert(dialog("d1"));
    admin.socket.answer = socket.answer;
    await admin.store.dialog.transfer("d1", "op_2", "");
    expect(admin.socket.sent.at(-1)).toEqual({ action: "assign", op: "transfer", dialog_id: "d1", to: "op_2" });
    expect(admin.store.sidebar.rows.value.get("d1")?.dialog.seq).toBe(3);
  });

  it("mark unread: at least one unread for me, and the dialog closes", async () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("d1", { unread: 0 }));
    store.dialog.selected.value = "d1";
    socket.answer = async () => ({ type: "ack", request_id: "r", dialog: dialog("d1", { seq: 2, unread: 0 }) });
    await store.dialog.markUnread("d1");
    expect(socket.sent).toEqual([{ action: "message", op: "mark_unread", dialog_id: "d1" }]);
    expect(store.sidebar.rows.value.get("d1")?.unread).toBe(1);
    expect(store.dialog.selected.value).toBeNull();
  });

  it("reads nothing that is read, or offline", async () => {
    const { store, socket } = signedIn({ history: async () => page([message("d1", 4)]) });
    store.sidebar.upsert(dialog("d1", { unread: 2 }));
    await store.timeline.load("d1");
    socket.answer = async () => Promise.reject(new RequestError("offline", "not connected"));
    await store.dialog.markRead("d1");
    expect(store.sidebar.rows.value.get("d1")?.unread).toBe(2);
    store.sidebar.setUnread("d1", 0);
    await store.dialog.markRead("d1");
    expect(socket.sent).toHaveLength(1);
  });
});
