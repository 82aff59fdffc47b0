// The composer's side of the console: drafts per dialog, and the outbox (web/common/outbox.ts)
// every message goes through, with its client id, until the server stores it; typing signals.

import { signal } from "@preact/signals";
import type { DialogAttachment, DialogView, MessageView } from "../../../protocol/protocol";
import type { Ack } from "../../../common/socket";
import { Outbox, type Outgoing } from "../../../common/outbox";
import { setDraft } from "../state/compose";
import { carried, emptyTray } from "../state/attachments";
import type { Action } from "./connection";
import type { AttachmentsStore } from "./attachments";
import type { Drafts } from "./sidebar";

/** The visitor hears "typing" from me at most this often. */
const TYPING_EVERY_MS = 4000;

export interface ComposerDeps {
  request(action: Action): Promise<Ack>;
  /** An ack's dialog summary, into the sidebar. */
  upsert(d: DialogView, ring?: boolean): void;
  /** A stored message, into its timeline. */
  add(id: string, ms: MessageView[]): void;
  /** An operator not yet connected joins before writing to the visitor. */
  join(id: string): Promise<void>;
  connected(id: string): boolean;
  attachments: Pick<AttachmentsStore, "tray" | "setTray">;
}

export class ComposerStore {
  /** Drafts per dialog: kept while switching, dropped once sent (not across a reload). */
  readonly drafts = signal<Drafts>(new Map());
  /** Messages not yet stored: queued, or refused with the reason. */
  readonly pending = signal<readonly Outgoing[]>([]);
  /** Sent too fast: when the server lets the queue go on (by `Date.now()`); null when it may. */
  readonly heldUntil = signal<number | null>(null);

  private readonly outbox: Outbox;
  private readonly typingSent = new Map<string, number>();

  constructor(private readonly deps: ComposerDeps) {
    this.outbox = new Outbox({
      send: async (item) => {
        const ack = await deps.request({
          action: "message",
          op: item.kind,
          dialog_id: item.dialog_id!,
          client_id: item.client_id,
          text: item.text,
          ...(item.reply_to !== undefined ? { reply_to: item.reply_to } : {}),
          ...(item.uploads?.length ? { uploads: item.uploads } : {}),
        });
        // The ack carries the dialog's new summary: my answer is now its last message.
        if (ack.dialog) deps.upsert(ack.dialog, false);
        if (item.kind === "send") this.sent(item.dialog_id!);
        return ack;
      },
      onStored: (_item, m) => m && deps.add(m.dialog_id, [m]),
      onChange: (items) => {
        this.pending.value = items;
        this.heldUntil.value = this.outbox.waitingUntil;
      },
    });
  }

  /** Sends (or whispers) from the composer; an operator not yet connected joins first. */
  async send(id: string, text: string, whisper: boolean, replyTo?: number): Promise<void> {
    const { attachments } = this.deps;
    // Whispers are text-only: the files stay above the composer for a message to the visitor.
    const files = whisper ? null : carried(attachments.tray(id).chips);
    if (files) attachments.setTray(id, emptyTray);
    this.drafts.value = setDraft(this.drafts.value, id, "");
    // A whisper never reaches the visitor, so nothing there ends the "typing" they were shown.
    if (whisper && this.typingSent.delete(id)) this.typing(id, false);
    if (!whisper) await this.deps.join(id);
    this.outbox.add({ kind: whisper ? "whisper" : "send", dialog_id: id, text, ...(replyTo !== undefined ? { reply_to: replyTo } : {}), ...files });
  }

  /** "Send again" from the attachments panel: a message carrying the stored file; like a send, it joins first. */
  async resend(id: string, item: DialogAttachment): Promise<void> {
    await this.deps.join(id);
    this.outbox.add({ kind: "send", dialog_id: id, text: "", uploads: [item.resend], attachments: [item.attachment] });
  }

  retry(clientId: string): void {
    this.outbox.retry(clientId);
  }

  discard(clientId: string): void {
    this.outbox.discard(clientId);
  }

  /** Sends what waits; after every reconnect. */
  flush(): Promise<void> {
    return this.outbox.flush();
  }

  /** The draft changed; tells the visitor I am typing, at most every few seconds, and that I stopped when I clear it. */
  typed(id: string, text: string): void {
    this.drafts.value = setDraft(this.drafts.value, id, text);
    if (!text) {
      if (this.typingSent.delete(id)) this.typing(id, false);
      return;
    }
    const last = this.typingSent.get(id) ?? 0;
    if (Date.now() - last < TYPING_EVERY_MS || !this.deps.connected(id)) return;
    this.typingSent.set(id, Date.now());
    this.typing(id, true);
  }

  /**
   * My message reached the visitor, whose widget stops showing me typing when it arrives (its push
   * goes out before this ack). The next key I press says "typing" again at once, not when the last
   * "typing" is a few seconds old; a follow-up already begun says so now.
   */
  private sent(id: string): void {
    this.typingSent.delete(id);
    const draft = this.drafts.value.get(id);
    if (draft) this.typed(id, draft);
  }

  private typing(id: string, on: boolean): void {
    this.deps.request({ action: "message", op: "typing", dialog_id: id, typing: on }).catch(() => {});
  }
}
