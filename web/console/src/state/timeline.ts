// One dialog's pane as plain data: the stored messages (merged with web/common/timeline.ts, so
// nothing shows twice), how far back history goes, and how each line is drawn.

import type { MessageView, OperatorId } from "../../../protocol/protocol";
import { unstored, type Outgoing } from "../../../common/outbox";

export type Line =
  | { type: "message"; who: "visitor" | "mine" | "operator" | "whisper"; message: MessageView }
  | { type: "system"; message: MessageView }
  | { type: "pending"; item: Outgoing };

export function whoWrote(m: MessageView, me: OperatorId): "visitor" | "mine" | "operator" | "whisper" {
  if (m.kind === "visitor") return "visitor";
  if (m.kind === "whisper") return "whisper";
  return m.author_id === me ? "mine" : "operator";
}

/**
 * The lines of a pane: stored messages in `seq` order, then what is still in the outbox for this
 * dialog (clock or red cross), minus any the server already stored (same client id).
 */
export function lines(messages: readonly MessageView[], pending: readonly Outgoing[], dialogId: string, me: OperatorId): Line[] {
  const out: Line[] = messages.map((m) =>
    m.kind === "system" ? { type: "system", message: m } : { type: "message", who: whoWrote(m, me), message: m },
  );
  for (const item of unstored(pending, messages)) {
    if (item.dialog_id === dialogId) out.push({ type: "pending", item });
  }
  return out;
}

/** The delivery mark on one of my messages. */
export type Mark = "queued" | "delivered" | "read" | "failed";

export function mark(m: MessageView): Mark | null {
  if (m.kind !== "operator") return null;
  return m.status?.status ?? "queued";
}

/** The time of a line, as the pane shows it (local time, hours and minutes). */
export function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}
