// Messages written but not yet stored. Each keeps its client id from the moment it is written, so a
// resend after a lost connection is the same message to the server, never a second one. Sends go
// out one at a time, in the order they were written; a refusal (too long, forbidden) marks that
// one failed with the reason, a lost connection leaves it queued for the next `flush`. Sent too
// fast (`rate_limited`), the queue waits as long as the server says, then sends the same message
// again: nothing is lost, doubled or reordered.

import type { Attachment, MessageView } from "../protocol/protocol";
import { newId } from "./ids";
import { RequestError, type Ack } from "./socket";

export interface Outgoing {
  client_id: string;
  dialog_id?: string;
  kind: "send" | "whisper";
  text: string;
  reply_to?: number;
  /** Upload tokens of files already in storage (see `upload.ts`); the text may then be empty. */
  uploads?: string[];
  /** What those files are, to show while the message is on its way. */
  attachments?: Attachment[];
  created_at: number;
  /** Set when the server refused it; the client shows a red cross with `reason`. */
  failed?: { code: string; reason: string };
}

export interface OutboxOptions {
  /** Sends one message frame; resolves with its ack. */
  send(item: Outgoing): Promise<Ack>;
  /** The stored message the ack carries: merge it into the dialog's timeline. */
  onStored(item: Outgoing, message: MessageView | undefined): void;
  /** Whatever changed: the list to show and, if wanted, to keep across page loads. */
  onChange?(items: readonly Outgoing[]): void;
  initial?: readonly Outgoing[];
  /** The clock, for tests. */
  now?(): number;
}

/** When the server gives no wait with a `rate_limited` (it always does), this one is taken. */
const DEFAULT_WAIT_MS = 1000;

export class Outbox {
  private items: Outgoing[];
  private running: Promise<void> | null = null;
  private again = false;
  private waitUntil: number | null = null;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: OutboxOptions) {
    this.items = [...(o.initial ?? [])];
  }

  get list(): readonly Outgoing[] {
    return this.items;
  }

  /**
   * While the server holds the queue back (messages came too fast): when it goes on, by the
   * clock `now`; null when it is not held back.
   */
  get waitingUntil(): number | null {
    return this.waitUntil;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Queues a new message and tries to send it. */
  add(item: Omit<Outgoing, "client_id" | "created_at"> & { client_id?: string; created_at?: number }): Outgoing {
    const full: Outgoing = { ...item, client_id: item.client_id ?? newId(), created_at: item.created_at ?? Date.now() };
    this.items = [...this.items, full];
    this.changed();
    void this.flush();
    return full;
  }

  /**
   * Sends what is queued, oldest first; call it again after every reconnect. Resolves when the
   * queue is empty, the connection is gone, or the server holds the queue back for a while.
   */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain()
      .finally(() => {
        this.running = null;
      })
      .then(() => {
        // A flush asked for after the drain's last look (a reconnect at that moment) runs now.
        if (this.again) return this.flush();
      });
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      // Held back: the timer flushes when the wait is over, not a reconnect before it.
      if (this.waitUntil !== null) return;
      const next = this.items.find((i) => !i.failed);
      if (!next) return;
      try {
        const ack = await this.o.send(next);
        this.items = this.items.filter((i) => i.client_id !== next.client_id);
        this.o.onStored(next, ack.message);
        this.changed();
      } catch (e) {
        const err = e instanceof RequestError ? e : new RequestError("offline", String(e));
        if (err.code === "rate_limited") {
          this.holdBack(err.retryAfterMs ?? DEFAULT_WAIT_MS);
          return;
        }
        if (err.retryable) {
          // A flush asked for while this send was failing came from a reconnect: go on.
          if (this.again) continue;
          return;
        }
        this.items = this.items.map((i) =>
          i.client_id === next.client_id ? { ...i, failed: { code: err.code, reason: err.message } } : i,
        );
        this.changed();
      }
    }
  }

  /** Waits `ms`, then sends again what waits, the refused message first. */
  private holdBack(ms: number): void {
    clearTimeout(this.waitTimer);
    this.waitUntil = this.now() + Math.max(ms, 0);
    this.changed();
    this.waitTimer = setTimeout(() => {
      this.waitUntil = null;
      this.changed();
      void this.flush();
    }, ms);
  }

  /** A failed message, queued again as it was (same client id). */
  retry(clientId: string): void {
    this.items = this.items.map((i) => (i.client_id === clientId ? { ...i, failed: undefined } : i));
    this.changed();
    void this.flush();
  }

  discard(clientId: string): void {
    this.items = this.items.filter((i) => i.client_id !== clientId);
    this.changed();
  }

  private changed(): void {
    this.o.onChange?.(this.items);
  }
}

/** What is written and not stored yet, minus what the timeline already holds (same client id). */
export function unstored(pending: readonly Outgoing[], messages: readonly MessageView[]): Outgoing[] {
  const stored = new Set(messages.map((m) => m.client_id));
  return pending.filter((i) => !stored.has(i.client_id));
}
