// A dialog's messages as a client keeps them: each stored message once, in `seq` order, however
// often it arrives (the ack, the push, a history page, a catch-up after a reconnect).

import type { MessageView, Receipt, Side } from "../protocol/protocol";

const rank = { queued: 0, failed: 0, delivered: 1, read: 2 } as const;

/** `into` with `add` merged in: one entry per `seq`, sorted; the furthest delivery status kept. */
export function mergeMessages(into: readonly MessageView[], add: readonly MessageView[]): MessageView[] {
  if (add.length === 0) return into as MessageView[];
  const bySeq = new Map<number, MessageView>();
  for (const m of into) bySeq.set(m.seq, m);
  for (const m of add) {
    const old = bySeq.get(m.seq);
    bySeq.set(m.seq, old ? { ...m, status: furthest(old.status, m.status) } : m);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function furthest(a: MessageView["status"], b: MessageView["status"]): MessageView["status"] {
  if (!a) return b;
  if (!b) return a;
  return rank[b.status] >= rank[a.status] ? b : a;
}

/**
 * Applies a `message.status` event: the messages `side` received, up to `upTo`, are now
 * `status`. A status never goes back (read stays read when a late "delivered" arrives).
 */
export function applyReceipt(messages: readonly MessageView[], side: Side, status: Receipt, upTo: number): MessageView[] {
  const sentTo = (m: MessageView) => (side === "visitor" ? m.kind === "operator" : m.kind === "visitor");
  let changed = false;
  const out = messages.map((m) => {
    if (m.seq > upTo || !sentTo(m) || (m.status && rank[m.status.status] >= rank[status])) return m;
    changed = true;
    return { ...m, status: { status } };
  });
  return changed ? out : (messages as MessageView[]);
}

/** The newest `seq` held: the cursor to catch up from (`?after=`). */
export function latestSeq(messages: readonly MessageView[]): number {
  return messages.length ? messages[messages.length - 1].seq : 0;
}

/**
 * Catching up after a reconnect: asks for the pages `?after=` the newest seq held and hands each
 * page's messages to `add`, until a page says there is no more (no `next_after`) or its cursor does
 * not move forward (a server that repeats itself must not loop the client forever).
 */
export async function catchUpAfter(
  after: number,
  page: (after: number) => Promise<{ messages: MessageView[]; next_after?: number }>,
  add: (messages: MessageView[]) => void,
): Promise<void> {
  for (;;) {
    const p = await page(after);
    add(p.messages);
    if (p.next_after === undefined || p.next_after <= after) return;
    after = p.next_after;
  }
}
