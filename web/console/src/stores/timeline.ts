// Each dialog's timeline as loaded in this tab (a pane: its stored messages, whether older history
// is there, whether a page is loading) and who is typing in which dialog. Messages merge with
// web/common/timeline.ts, so nothing shows twice whichever way it came.

import { signal, type Signal } from "@preact/signals";
import type { MessageView, ServerEvent } from "../../../protocol/protocol";
import { applyReceipt, catchUpAfter, latestSeq, mergeMessages } from "../../../common/timeline";
import type { Api } from "../api";

export interface Pane {
  messages: MessageView[];
  /** Older history is there to load (endless scroll upward). */
  more: boolean;
  loading: boolean;
}

/** How long a visitor's typing shows without a word from them, and when that is checked. */
const TYPING_SHOWN_MS = 6000;
const TYPING_CHECK_MS = 6500;

export class TimelineStore {
  readonly panes = signal<ReadonlyMap<string, Pane>>(new Map());
  /** When the visitor was last seen typing, per dialog. */
  readonly typing = signal<ReadonlyMap<string, number>>(new Map());

  constructor(
    private readonly api: Pick<Api, "history">,
    private readonly notice: Signal<string | null>,
  ) {}

  has(id: string): boolean {
    return this.panes.value.has(id);
  }

  /**
   * Messages for a dialog whose pane is loaded; others load from history when opened. Operators
   * see every `seq`, so one past the next seq held means messages between never reached this tab:
   * they are fetched. (The ack of my message that reopened a closed dialog carries my message
   * alone, not the reopening before it.)
   */
  add(id: string, ms: MessageView[]): void {
    const pane = this.panes.value.get(id);
    if (!pane) return;
    const held = latestSeq(pane.messages);
    this.setPane(id, { ...pane, messages: mergeMessages(pane.messages, ms) });
    if (held > 0 && ms.some((m) => m.seq > held + 1)) void this.fillFrom(id, held);
  }

  /** Delivery and read marks up to a seq (`message.status`). */
  receipt(e: Extract<ServerEvent, { type: "message.status" }>): void {
    const pane = this.panes.value.get(e.dialog_id);
    if (pane) this.setPane(e.dialog_id, { ...pane, messages: applyReceipt(pane.messages, e.side, e.status, e.up_to) });
  }

  setTyping(id: string, on: boolean): void {
    const t = new Map(this.typing.value);
    if (on) t.set(id, Date.now());
    else t.delete(id);
    this.typing.value = t;
    if (on) setTimeout(() => {
      const at = this.typing.value.get(id);
      if (at !== undefined && Date.now() - at >= TYPING_SHOWN_MS) this.setTyping(id, false);
    }, TYPING_CHECK_MS);
  }

  /** A dialog's newest page of history, the first time it opens. */
  async load(id: string): Promise<void> {
    this.setPane(id, { messages: [], more: false, loading: true });
    try {
      const page = await this.api.history(id);
      this.setPane(id, { messages: mergeMessages(this.panes.value.get(id)?.messages ?? [], page.messages), more: page.next_before !== undefined, loading: false });
    } catch (e) {
      this.setPane(id, { messages: [], more: false, loading: false });
      this.notice.value = `Could not load the dialog: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Endless scroll upward. */
  async loadOlder(id: string): Promise<void> {
    const pane = this.panes.value.get(id);
    if (!pane || !pane.more || pane.loading || pane.messages.length === 0) return;
    this.setPane(id, { ...pane, loading: true });
    try {
      const page = await this.api.history(id, { before: pane.messages[0].seq });
      const now = this.panes.value.get(id)!;
      this.setPane(id, { messages: mergeMessages(now.messages, page.messages), more: page.next_before !== undefined, loading: false });
    } catch {
      this.setPane(id, { ...this.panes.value.get(id)!, loading: false });
    }
  }

  /** Catching up one dialog after a reconnect: `?after=` the newest seq held, until the end. */
  async fetchAfter(id: string): Promise<void> {
    const after = latestSeq(this.panes.value.get(id)?.messages ?? []);
    await catchUpAfter(after, (a) => this.api.history(id, { after: a }), (ms) => this.add(id, ms));
  }

  /** The messages after `after`, into the pane; a failure leaves it to the next catch-up. */
  private async fillFrom(id: string, after: number): Promise<void> {
    try {
      await catchUpAfter(after, (a) => this.api.history(id, { after: a }), (ms) => this.add(id, ms));
    } catch {
      // Offline: the pane shows the gap until it loads afresh; nothing is lost on the server.
    }
  }

  /**
   * After a reconnect, only the open dialog's pane is kept (it catches up); the others missed
   * what came meanwhile and load afresh when next opened. Returns the kept pane.
   */
  keepOnly(id: string | null): Pane | undefined {
    const kept = id ? this.panes.value.get(id) : undefined;
    if (this.panes.value.size > (kept ? 1 : 0)) this.panes.value = kept ? new Map([[id!, kept]]) : new Map();
    return kept;
  }

  private setPane(id: string, pane: Pane): void {
    const p = new Map(this.panes.value);
    p.set(id, pane);
    this.panes.value = p;
  }
}
