// The visitor's dialog as the widget keeps it: the stored timeline (each message once, however it
// arrives; on a page view only its newest page, older ones as the visitor scrolls up), the outbox of
// what is written but not yet stored (kept across page loads, resent with the same client id), the
// operator's typing, what the visitor has not read yet, and whether the dialog is closed.

import type { Attachment, ClientAction, HistoryPage, MessageView, ServerEvent } from "../../protocol/protocol";

/** The dialog waits in the queue (automatic distribution, every operator full): its place and wait. */
export type QueuePlace = Extract<ServerEvent, { type: "queue.position" }>;
import { Outbox, unstored, type Outgoing } from "../../common/outbox";
import type { Ack } from "../../common/socket";
import { applyReceipt, catchUpAfter, latestSeq, mergeMessages } from "../../common/timeline";
import { tooLong } from "../../common/text";

/** localStorage of the widget's own origin, or a stand-in in tests. */
export interface Store {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ChatOptions {
  site: string;
  storage: Store;
  request(action: ClientAction): Promise<Ack>;
  /** `GET /api/visitor/messages`: the newest page without a cursor, else before or after a seq. */
  history(cursor: { before?: number; after?: number }): Promise<HistoryPage>;
  /** `GET /api/visitor/queue`: the place in the queue now, or null when the dialog does not wait there. */
  queue?(): Promise<QueuePlace | null>;
  /** Anything shown changed. */
  onChange(): void;
}

function load<T>(storage: Store, key: string, fallback: T): T {
  try {
    return (JSON.parse(storage.getItem(key) ?? "null") as T) ?? fallback;
  } catch {
    return fallback;
  }
}

export class Chat {
  messages: MessageView[] = [];
  /** History was read on this page view: from now on only what is newer is asked for. */
  loaded = false;
  /** Older history is there, from this seq down (`?before=`); 0 when there is none. */
  olderFrom = 0;
  private loadingOlder = false;
  /** The place in the queue while the dialog waits there for an operator; null when it does not. */
  queue: QueuePlace | null = null;
  /** The history said the visitor's contact is blocked; a message stored since says otherwise. */
  private blockedAtLoad = false;
  /** The operator typing now: their name, or "" when names are hidden; null when nobody is. */
  typing: string | null = null;
  readonly outbox: Outbox;
  private readUpTo: number;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: ChatOptions) {
    this.readUpTo = load(o.storage, this.key("read"), 0);
    this.outbox = new Outbox({
      initial: load<Outgoing[]>(o.storage, this.key("outbox"), []),
      send: (item) =>
        o.request({
          action: "message",
          op: "send",
          client_id: item.client_id,
          text: item.text,
          ...(item.uploads?.length ? { uploads: item.uploads } : {}),
        }),
      onStored: (_item, message) => {
        if (!message) return;
        this.blockedAtLoad = false;
        const reopened = this.closed ? latestSeq(this.messages) : -1;
        this.merge([message]);
        // My message reopened the dialog: its ack holds my message, not the reopening before it.
        if (reopened >= 0) void this.after(reopened).catch(() => {});
      },
      onChange: (items) => {
        o.storage.setItem(this.key("outbox"), JSON.stringify(items));
        o.onChange();
      },
    });
  }

  key(name: string): string {
    return `parlor:${this.o.site}:${name}`;
  }

  /** Queues a message; false when there is nothing to send or it is over the limit. */
  send(text: string): boolean {
    const t = text.trim();
    if (!t || tooLong(t)) return false;
    this.outbox.add({ kind: "send", text: t });
    return true;
  }

  /** Queues a message of files already in storage: their upload tokens, and what they are to show meanwhile. */
  sendFiles(uploads: string[], attachments: Attachment[]): void {
    if (uploads.length) this.outbox.add({ kind: "send", text: "", uploads, attachments });
  }

  /** What is written and not stored yet, minus what a catch-up already brought back. */
  get pending(): readonly Outgoing[] {
    return unstored(this.outbox.list, this.messages);
  }

  /** Operator messages the visitor has not seen: the bubble's badge. */
  get unread(): number {
    return this.messages.filter((m) => m.kind === "operator" && m.seq > this.readUpTo).length;
  }

  /**
   * Whether the dialog is closed, as its timeline says: a close not followed by a reopen or a message
   * (a message into a closed dialog reopens it). Joins may follow a close; leaves and transfers are
   * never shown to visitors.
   */
  get closed(): boolean {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const e = this.messages[i].event?.event;
      if (e === "closed") return true;
      if (e !== "joined") return false;
    }
    return false;
  }

  /**
   * Whether the visitor may not write here (an operator blocked their contact): the history said so,
   * or a message was refused with `contact_blocked`; a message stored since (unblocked) clears it.
   */
  get blocked(): boolean {
    return this.blockedAtLoad || this.outbox.list.some((i) => i.failed?.code === "contact_blocked");
  }

  /**
   * Whether the dialog is on hold, as its timeline says: a hold not ended since by a resume (an
   * operator's message into a held dialog comes after its resume) or a close.
   */
  get held(): boolean {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const e = this.messages[i].event?.event;
      if (e === "held") return true;
      if (e === "resumed" || e === "closed") return false;
    }
    return false;
  }

  /**
   * After every (re)connect: on a new page view the newest page of history (older pages wait until
   * the visitor scrolls up to them), later only what came after the newest message held; then the
   * outbox.
   */
  async online(): Promise<void> {
    try {
      if (this.loaded) await this.after(latestSeq(this.messages));
      else {
        const page = await this.o.history({});
        // Read further than the dialog goes: the one read was deleted, this is a new one (or none).
        if (page.latest_seq < this.readUpTo) this.forgetDialog();
        this.olderFrom = page.next_before ?? 0;
        this.blockedAtLoad = !!page.blocked;
        this.loaded = true;
        this.merge(page.messages);
        this.o.onChange();
      }
      // Back online with a dialog: whether it waits in the queue, and where (pushes may have been missed).
      if (this.o.queue && this.messages.length > 0 && !this.closed) void this.o.queue().then((q) => this.setQueue(q), () => {});
    } finally {
      // A failed catch-up must not hold back what the visitor wrote.
      await this.outbox.flush();
    }
  }

  /** The page of history before the oldest message held, once at a time. */
  async loadOlder(): Promise<void> {
    if (!this.olderFrom || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const page = await this.o.history({ before: this.olderFrom });
      this.olderFrom = page.next_before ?? 0;
      this.merge(page.messages);
      this.o.onChange();
    } finally {
      this.loadingOlder = false;
    }
  }

  private after(seq: number): Promise<void> {
    const page = async (after: number) => {
      const p = await this.o.history({ after });
      // The dialog ends before what is held: it was deleted while this page was away.
      if (p.latest_seq < after) this.forgetDialog();
      return p;
    };
    return catchUpAfter(seq, page, (ms) => this.merge(ms));
  }

  /** A pushed event; true when it is a new operator reply (ring, count it). */
  event(e: ServerEvent): boolean {
    if (e.type === "queue.position") {
      this.setQueue(e);
      return false;
    }
    if (e.type === "message.created") {
      const fresh = !this.messages.some((m) => m.seq === e.message.seq);
      // An operator joined, or the dialog closed: it no longer waits.
      if (e.message.event?.event === "joined" || e.message.event?.event === "closed") this.setQueue(null);
      this.merge([e.message]);
      if (e.message.kind === "operator") this.setTyping(null);
      return fresh && e.message.kind === "operator";
    }
    if (e.type === "dialog.deleted") {
      this.forgetDialog();
      return false;
    }
    if (e.type === "message.status" && e.side === "operators") {
      this.messages = applyReceipt(this.messages, e.side, e.status, e.up_to);
      this.o.onChange();
    } else if (e.type === "typing" && e.side === "operators") {
      this.setTyping(e.typing ? (e.name ?? "") : null);
    }
    return false;
  }

  /**
   * An operator deleted the dialog (`dialog.deleted`): the conversation is cleared here too, and the
   * visitor's next message starts a new dialog, counted from its own first message.
   */
  private forgetDialog(): void {
    clearTimeout(this.typingTimer);
    this.typing = null;
    this.messages = [];
    this.olderFrom = 0;
    this.readUpTo = 0;
    this.o.storage.setItem(this.key("read"), JSON.stringify(0));
    this.o.onChange();
  }

  /** The visitor sees the dialog: everything up to the newest message is read. */
  async markRead(): Promise<void> {
    const upTo = latestSeq(this.messages);
    if (this.unread === 0) return;
    this.readUpTo = upTo;
    this.o.storage.setItem(this.key("read"), JSON.stringify(upTo));
    this.o.onChange();
    await this.o.request({ action: "message", op: "read", up_to: upTo }).catch(() => {});
  }

  merge(add: readonly MessageView[]): void {
    const next = mergeMessages(this.messages, add);
    if (next === this.messages) return;
    this.messages = next;
    this.o.onChange();
  }

  private setQueue(place: QueuePlace | null): void {
    this.queue = place;
    this.o.onChange();
  }

  private setTyping(name: string | null): void {
    clearTimeout(this.typingTimer);
    this.typing = name;
    // A lost "stopped typing" must not leave the indicator on for ever.
    if (name !== null) this.typingTimer = setTimeout(() => this.setTyping(null), 8000);
    this.o.onChange();
  }
}

/**
 * The messages as the visitor sees them: visitors are never told of leaves, so an operator's second
 * join (after a leave the visitor never saw) would read as the same news twice; it is left out until
 * a close ends the round. The server no longer sends such joins (`rejoined`); this keeps histories
 * stored before it did from showing them.
 */
export function shown(messages: readonly MessageView[]): MessageView[] {
  const joined = new Set<string>();
  return messages.filter((m) => {
    const e = m.event;
    if (e?.event === "closed") joined.clear();
    if (e?.event !== "joined") return true;
    if (joined.has(e.operator)) return false;
    joined.add(e.operator);
    return true;
  });
}

/** The few words a reply shows of the message it quotes: its text on one line, cut short, or its files' names. */
export function excerpt(m: MessageView, max = 80): string {
  const text = (m.text.trim() || (m.attachments ?? []).map((a) => a.name).join(", ")).replace(/\s+/g, " ");
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("").trimEnd()}…` : text;
}
