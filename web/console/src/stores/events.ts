// What each server event does to the console: one handler per `ServerEvent` type, in one map typed
// by the generated union (web/protocol/protocol.ts), so an event added to the protocol without a
// handler here fails `tsc`.

import type { ServerEvent } from "../../../protocol/protocol";
import { summary } from "../state/attachments";
import { notify as browserNotify, playMelody } from "../sound";
import type { Store } from "../store";

export type EventType = ServerEvent["type"];
export type EventHandlers = { [K in EventType]: (e: Extract<ServerEvent, { type: K }>) => void };

/** The stores an event moves; handlers look them up when the event comes. */
export type Stores = Pick<Store, "session" | "sidebar" | "timeline" | "dialog" | "visitor" | "workspace" | "contacts">;

export function eventHandlers(
  s: Stores,
  notify: (title: string, body: string) => void = browserNotify,
  ringOnce: () => void = playMelody,
): EventHandlers {
  return {
    // Answers to my own requests settle them in the socket; a stray one (or an error without a
    // request) changes nothing here.
    ack: () => {},
    error: () => {},
    "dialog.created": (e) => {
      s.sidebar.upsert(e.dialog, e.ring);
      s.timeline.add(e.dialog.id, [e.message]);
      if (e.ring) notify(`New dialog: ${e.dialog.visitor_name}`, e.message.text);
    },
    "dialog.updated": (e) => {
      s.sidebar.upsert(e.dialog, e.ring);
      s.contacts.moved(e.dialog);
      if (e.event) s.timeline.add(e.dialog.id, [e.event]);
      // A dialog handed to me rings once, as a new one does.
      const handed = e.event?.event;
      const me = s.session.me.value?.id;
      if (e.ring && handed?.event === "transferred" && handed.to === me) {
        ringOnce();
        notify(`Transferred to you: ${e.dialog.visitor_name}`, handed.comment ?? e.dialog.last_message?.text ?? "");
      } else if (e.ring && handed?.event === "joined" && handed.assigned && handed.operator === me) {
        // Automatic distribution gave it to me.
        ringOnce();
        notify(`Assigned to you: ${e.dialog.visitor_name}`, e.dialog.last_message?.text ?? "");
      }
    },
    "dialog.removed": (e) => s.dialog.forget(e.dialog_id),
    "dialog.deleted": (e) => e.dialog_ids.forEach((id) => s.dialog.forget(id)),
    "message.created": (e) => {
      const m = e.message;
      if (e.dialog) s.sidebar.upsert(e.dialog, e.ring);
      s.timeline.add(m.dialog_id, [m]);
      if (m.kind !== "visitor") return;
      s.timeline.setTyping(m.dialog_id, false);
      const mine = e.dialog?.participants.some((p) => p.id === s.session.me.value?.id);
      if (e.ring || mine) notify(m.author_name ?? "Visitor", summary(m));
      if (s.dialog.selected.value === m.dialog_id && document.visibilityState === "visible") void s.dialog.markRead(m.dialog_id);
    },
    "message.status": (e) => s.timeline.receipt(e),
    typing: (e) => {
      if (e.side === "visitor") s.timeline.setTyping(e.dialog_id, e.typing);
    },
    "dialog.read": (e) => s.sidebar.setUnread(e.dialog_id, e.unread),
    // To visitors only.
    "queue.position": () => {},
    "operator.status": (e) => s.workspace.setStatus(e.operator_id, e.status, e.presence),
    "operator.updated": (e) => {
      s.workspace.updated(e.operator);
      s.session.updated(e.operator);
    },
    "visitor.page": (e) => s.visitor.page(e),
    "workspace.handling": (e) => (s.workspace.handling.value = e.handling),
    "contact.updated": (e) => s.contacts.updated(e.contact),
    "contact.merged": (e) => s.contacts.merged(e.merged_id, e.contact),
  };
}

/** Hands an event to its handler; a type this build does not know (a newer server) is ignored. */
export function dispatch(handlers: EventHandlers, e: ServerEvent): void {
  const handle = handlers[e.type] as ((e: ServerEvent) => void) | undefined;
  handle?.(e);
}
