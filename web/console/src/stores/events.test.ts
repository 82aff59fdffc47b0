import { afterEach, describe, expect, it, vi } from "vitest";
import type { ServerEvent } from "../../../protocol/protocol";
import { dispatch, eventHandlers, type EventHandlers } from "./events";
import { dialog, ME, me, message, page, settle, signedIn } from "./testing";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** The root store with dialog `d1` open and its pane loaded. */
async function withOpenDialog() {
  const h = signedIn({ history: async () => page([message("d1", 1)]), visitorCard: () => new Promise(() => {}) });
  h.store.sidebar.upsert(dialog("d1", { unread: 0 }));
  await h.store.dialog.open("d1", false);
  return h;
}

describe("the server events' map", () => {
  it("has a handler for every event type (a missing one fails tsc)", () => {
    // @ts-expect-error: every ServerEvent type needs its handler
    const partial: EventHandlers = { ack: () => {} };
    expect(partial).toBeDefined();
    const { store } = signedIn();
    expect(Object.keys(eventHandlers(store)).sort()).toEqual(
      ["ack", "contact.merged", "contact.updated", "dialog.created", "dialog.deleted", "dialog.read", "dialog.removed", "dialog.updated", "error", "message.created", "message.status", "operator.status", "operator.updated", "queue.position", "typing", "visitor.page", "workspace.handling"],
    );
  });

  it("contact.updated: the contact's rows take its name, and a loaded card its contact", () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert({ ...dialog("d1"), contact_id: "ct_1" });
    store.sidebar.upsert({ ...dialog("d2"), contact_id: "ct_2" });
    const contact = { id: "ct_1", name: "Vera Petrova", named: true, notes: "", fields: {}, verified: [], claims: [], created_at: 1, version: 2 };
    store.contacts.cards.value = new Map([["ct_1", { contact: { ...contact, name: "Vera", version: 1 }, dialogs: [], channels: [], fields: [], offers: [] }]]);
    socket.push({ type: "contact.updated", contact });
    expect(store.sidebar.rows.value.get("d1")!.dialog.visitor_name).toBe("Vera Petrova");
    expect(store.sidebar.rows.value.get("d2")!.dialog.visitor_name).not.toBe("Vera Petrova");
    expect(store.contacts.cards.value.get("ct_1")!.contact.name).toBe("Vera Petrova");
  });

  it("dialog.updated moving a dialog to another contact: a card that lists it reads itself again, others stay", async () => {
    const contact = { id: "ct_1", name: "Vera", named: true, notes: "", fields: {}, verified: [], claims: [], created_at: 1, version: 1 };
    const other = { ...contact, id: "ct_2" };
    const asked: string[] = [];
    const { store, socket } = signedIn({
      contactCard: async (id) => (asked.push(id), { contact: { ...contact, id }, dialogs: [], channels: [], fields: [], offers: [] }),
    });
    const d1 = { ...dialog("d1"), contact_id: "ct_1" };
    store.contacts.cards.value = new Map([
      ["ct_1", { contact, dialogs: [d1], channels: [], fields: [], offers: [] }],
      ["ct_2", { contact: other, dialogs: [], channels: [], fields: [], offers: [] }],
    ]);
    socket.push({ type: "dialog.updated", dialog: d1, ring: false });
    expect(asked).toEqual([]);
    socket.push({ type: "dialog.updated", dialog: { ...d1, contact_id: "ct_9" }, ring: false });
    await settle();
    expect(asked).toEqual(["ct_1"]);
    expect(store.contacts.cards.value.get("ct_1")!.dialogs).toEqual([]);
    expect(store.sidebar.rows.value.get("d1")!.dialog.contact_id).toBe("ct_9");
  });

  it("contact.merged: the merged contact's card goes, the united one reads itself again, and its rows take its name", async () => {
    const contact = { id: "ct_1", name: "Vera Petrova", named: true, notes: "", fields: {}, verified: [], claims: [], created_at: 1, version: 4 };
    const asked: string[] = [];
    const { store, socket } = signedIn({
      contactCard: async (id) => (asked.push(id), { contact: { ...contact, id }, dialogs: [], channels: [], fields: [], offers: [] }),
    });
    store.sidebar.upsert({ ...dialog("d1"), contact_id: "ct_1" });
    store.contacts.cards.value = new Map([["ct_2", { contact: { ...contact, id: "ct_2", name: "V." }, dialogs: [], channels: [], fields: [], offers: [] }]]);
    socket.push({ type: "contact.merged", merged_id: "ct_2", contact });
    await settle();
    expect(store.contacts.cards.value.has("ct_2")).toBe(false);
    expect(asked).toEqual(["ct_1"]);
    expect(store.sidebar.rows.value.get("d1")!.dialog.visitor_name).toBe("Vera Petrova");
  });

  it("ignores a type this build does not know, and stray acks and errors", () => {
    const { store } = signedIn();
    const rows = store.sidebar.rows.value;
    dispatch(eventHandlers(store), { type: "something.new" } as unknown as ServerEvent);
    dispatch(eventHandlers(store), { type: "error", code: "internal", message: "boom" });
    expect(store.sidebar.rows.value).toBe(rows);
  });

  it("dialog.created: a ringing row, the message in a loaded pane, a notification", async () => {
    vi.useFakeTimers();
    const { store, socket } = await withOpenDialog();
    const notify = vi.fn();
    const handlers = eventHandlers(store, notify);
    socket.options.onEvent = (e) => dispatch(handlers, e);
    socket.push({ type: "dialog.created", dialog: dialog("d2", { visitor_name: "Vera" }), message: message("d2", 1, { text: "hello" }), ring: true });
    expect(store.sidebar.rows.value.get("d2")?.ringing).toBe(true);
    expect(store.sidebar.ringing.value).toBe(true);
    expect(notify).toHaveBeenCalledWith("New dialog: Vera", "hello");
    // Not loaded: it loads from history when opened.
    expect(store.timeline.panes.value.has("d2")).toBe(false);
    socket.push({ type: "dialog.updated", dialog: dialog("d1", { seq: 2, participants: [{ id: "op_2", name: "Oleg" }] }), ring: false, event: message("d1", 2, { kind: "system" }) });
    expect(store.timeline.panes.value.get("d1")?.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(store.sidebar.rows.value.get("d1")?.dialog.participants).toHaveLength(1);
  });

  it("dialog.updated handing a dialog to me rings once and notifies; one handed to a colleague does not", async () => {
    const { store, socket } = await withOpenDialog();
    const notify = vi.fn();
    const ring = vi.fn();
    const handlers = eventHandlers(store, notify, ring);
    socket.options.onEvent = (e) => dispatch(handlers, e);
    const transfer = (to: string, ringing: boolean) => ({
      type: "dialog.updated" as const,
      dialog: dialog("d3", { visitor_name: "Vera", participants: [{ id: to, name: to }] }),
      ring: ringing,
      event: message("d3", 2, {
        kind: "system",
        event: { event: "transferred", by: "op_2", by_name: "Oleg", to, to_name: to, comment: "VIP" },
      }),
    });
    socket.push(transfer("op_9", false));
    expect(ring).not.toHaveBeenCalled();
    socket.push(transfer(ME, true));
    expect(ring).toHaveBeenCalledTimes(1);
    expect(notify).toHaveBeenCalledWith("Transferred to you: Vera", "VIP");

    // Automatic distribution giving me a dialog rings and notifies too; a plain join does not.
    const joined = (assigned: boolean) => ({
      type: "dialog.updated" as const,
      dialog: dialog("d4", { visitor_name: "Wanda", participants: [{ id: ME, name: "Mia" }] }),
      ring: assigned,
      event: message("d4", 2, { kind: "system", event: { event: "joined", operator: ME, name: "Mia", ...(assigned ? { assigned } : {}) } }),
    });
    socket.push(joined(false));
    expect(ring).toHaveBeenCalledTimes(1);
    socket.push(joined(true));
    expect(ring).toHaveBeenCalledTimes(2);
    expect(notify).toHaveBeenLastCalledWith("Assigned to you: Wanda", "");
  });

  it("message.created from the visitor: stops their typing, notifies when mine, reads it when open and visible", async () => {
    vi.stubGlobal("document", { visibilityState: "visible" });
    const { store, socket } = await withOpenDialog();
    const notify = vi.fn();
    const handlers = eventHandlers(store, notify);
    socket.options.onEvent = (e) => dispatch(handlers, e);
    socket.push({ type: "typing", dialog_id: "d1", side: "visitor", typing: true });
    expect(store.timeline.typing.value.has("d1")).toBe(true);
    socket.push({ type: "typing", dialog_id: "d1", side: "operators", typing: false });
    expect(store.timeline.typing.value.has("d1")).toBe(true);
    const mine = dialog("d1", { seq: 2, visitor_messages: 2, participants: [{ id: ME, name: "Mia" }] });
    socket.push({ type: "message.created", message: message("d1", 2, { author_name: "Vera", text: "are you there?" }), dialog: mine });
    expect(store.timeline.typing.value.has("d1")).toBe(false);
    expect(store.timeline.panes.value.get("d1")?.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(notify).toHaveBeenCalledWith("Vera", "are you there?");
    expect(socket.sent.at(-1)).toEqual({ action: "message", op: "read", dialog_id: "d1", up_to: 2 });
  });

  it("message.status, dialog.read, dialog.removed, operator.status and visitor.page each move their store", async () => {
    const { store, socket } = await withOpenDialog();
    socket.push({ type: "message.created", message: message("d1", 2, { kind: "operator", author_id: ME, status: { status: "queued" } }) });
    socket.push({ type: "message.status", dialog_id: "d1", side: "visitor", status: "read", up_to: 2 });
    expect(store.timeline.panes.value.get("d1")?.messages[1].status).toEqual({ status: "read" });

    socket.push({ type: "dialog.read", dialog_id: "d1", unread: 3, marked_unread: true });
    expect(store.sidebar.rows.value.get("d1")?.unread).toBe(3);

    store.workspace.operators.value = [{ id: "op_2", name: "Oleg", email: "o@parlor.test", role: "operator", status: "online", groups: [], rights: [], active: true }];
    socket.push({ type: "operator.status", operator_id: "op_2", status: "online", presence: "no_console" });
    expect(store.workspace.operators.value[0].presence).toBe("no_console");
    socket.push({ type: "operator.status", operator_id: "op_2", status: "away", presence: "away" });
    expect(store.workspace.operators.value[0].status).toBe("away");
    // Renamed, deactivated: the team list follows; my own name and role follow too.
    socket.push({ type: "operator.updated", operator: { id: "op_2", name: "Oleg K.", email: "o@parlor.test", role: "operator", status: "away", groups: [], rights: [], active: false } });
    // It carries no presence: the last operator.status still holds.
    expect(store.workspace.operators.value).toEqual([
      { id: "op_2", name: "Oleg K.", email: "o@parlor.test", role: "operator", status: "away", groups: [], rights: [], active: false, presence: "away" },
    ]);
    expect(store.session.me.value?.name).toBe("Mia");
    socket.push({ type: "operator.updated", operator: { ...me, name: "Mia K.", role: "admin", status: "offline" } });
    expect(store.session.me.value).toEqual({ ...me, name: "Mia K.", role: "admin" });
    expect(store.workspace.operators.value.map((o) => o.id)).toEqual(["op_2", me.id]);

    store.visitor.cards.value = new Map([["d1", { card: { id: "vis_d1", site: "site_1", name: "Vera", source: {}, created_at: 1 } }]]);
    const page = { url: "https://shop.example/cart", at: 5 };
    socket.push({ type: "visitor.page", visitor_id: "vis_d1", page });
    expect(store.visitor.cards.value.get("d1")?.card?.current_page).toEqual(page);

    socket.push({ type: "dialog.removed", dialog_id: "d1" });
    expect(store.sidebar.rows.value.has("d1")).toBe(false);
    expect(store.dialog.selected.value).toBeNull();
  });

  it("dialog.deleted: every row named goes, its tick and its open pane with it", async () => {
    const { store, socket } = await withOpenDialog();
    store.sidebar.upsert(dialog("d2"));
    store.sidebar.upsert(dialog("d3"));
    store.sidebar.pickOnly(["d1", "d3"]);
    socket.push({ type: "dialog.deleted", dialog_ids: ["d1", "d2"] });
    expect([...store.sidebar.rows.value.keys()]).toEqual(["d3"]);
    expect(store.dialog.selected.value).toBeNull();
    expect([...store.sidebar.picked.value]).toEqual(["d3"]);
  });

  it("workspace.handling brings the reply-time limit: processing order sorts only while there is one", () => {
    const { store, socket } = signedIn();
    store.sidebar.upsert(dialog("late", { last_activity: 100, waiting_since: 10 }));
    store.sidebar.upsert(dialog("fresh", { last_activity: 200, waiting_since: 150 }));
    store.sidebar.view.value = { ...store.sidebar.view.value, sort: "waiting" };
    const order = () => store.sidebar.visible.value.map((r) => r.dialog.id);
    expect([store.sidebar.sort.value, order()]).toEqual(["activity", ["fresh", "late"]]);
    const handling = { reply_time_limit_secs: 300, distribution: false, max_active_chats: 5, held_counts_against_limit: false, hand_back_after_secs: 300 };
    socket.push({ type: "workspace.handling", handling });
    expect(store.workspace.handling.value).toEqual(handling);
    expect([store.sidebar.sort.value, order()]).toEqual(["waiting", ["late", "fresh"]]);
    const { reply_time_limit_secs: _, ...without } = handling;
    socket.push({ type: "workspace.handling", handling: without });
    expect([store.sidebar.sort.value, order()]).toEqual(["activity", ["fresh", "late"]]);
  });
});
