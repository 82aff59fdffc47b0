// The open dialog and what an operator does in a dialog: open it, join, leave, transfer, close or
// reopen (command frames whose acks carry the dialog's new summary), read marks and mark unread.

import { batch, signal, type ReadonlySignal, type Signal } from "@preact/signals";
import type { OperatorView } from "../../../protocol/protocol";
import type { Ack } from "../../../common/socket";
import { latestSeq } from "../../../common/timeline";
import type { Action } from "./connection";
import type { SidebarStore } from "./sidebar";
import type { TimelineStore } from "./timeline";
import type { VisitorStore } from "./visitor";

export interface DialogDeps {
  me: ReadonlySignal<OperatorView | null>;
  notice: Signal<string | null>;
  request(action: Action): Promise<Ack>;
  sidebar: Pick<SidebarStore, "rows" | "upsert" | "remove" | "setUnread">;
  timeline: Pick<TimelineStore, "panes" | "has" | "load" | "add">;
  visitor: Pick<VisitorStore, "missing" | "load">;
}

export class DialogStore {
  /** The dialog shown beside the sidebar. */
  readonly selected = signal<string | null>(null);

  constructor(private readonly deps: DialogDeps) {}

  /** Opens a dialog; `connect` also joins it (a click in the sidebar), Alt+arrows only look. */
  async open(id: string, connect: boolean): Promise<void> {
    const { sidebar, timeline, visitor } = this.deps;
    this.selected.value = id;
    // Once loaded, a card follows `visitor.page` events (and a reconnect's catch-up reloads it).
    if (visitor.missing(id)) void visitor.load(id);
    if (!timeline.has(id)) await timeline.load(id);
    const row = sidebar.rows.value.get(id);
    if (connect && row?.dialog.status === "open") await this.join(id);
    void this.markRead(id);
  }

  async join(id: string): Promise<void> {
    if (this.connected(id)) return;
    await this.command({ action: "assign", op: "join", dialog_id: id });
  }

  async leave(id: string): Promise<void> {
    await this.command({ action: "assign", op: "leave", dialog_id: id });
  }

  /** Runs one command frame and applies what its ack carries; a refusal shows as a notice. */
  async command(action: Action): Promise<boolean> {
    try {
      const ack = await this.deps.request(action);
      if (ack.dialog) this.deps.sidebar.upsert(ack.dialog, false);
      if (ack.message) this.deps.timeline.add(ack.message.dialog_id, [ack.message]);
      return true;
    } catch (e) {
      this.deps.notice.value = e instanceof Error ? e.message : String(e);
      return false;
    }
  }

  /**
   * Hands the dialog to another operator. Only the one in charge or an admin may; a non-admin
   * loses the dialog with it, and learns so from the ack, not from `dialog.removed`.
   */
  async transfer(id: string, to: string, comment: string): Promise<boolean> {
    const ok = await this.command({ action: "assign", op: "transfer", dialog_id: id, to, ...(comment ? { comment } : {}) });
    if (ok && this.deps.me.value?.role !== "admin") this.forget(id);
    return ok;
  }

  /** A dialog gone from my list (`dialog.removed`, handed away): its row, its hit, and the pane if open. */
  forget(id: string): void {
    batch(() => {
      this.deps.sidebar.remove(id);
      if (this.selected.value === id) this.selected.value = null;
    });
  }

  async markRead(id: string): Promise<void> {
    const pane = this.deps.timeline.panes.value.get(id);
    const row = this.deps.sidebar.rows.value.get(id);
    if (!pane || !row || row.unread === 0) return;
    const upTo = latestSeq(pane.messages);
    if (upTo === 0) return;
    try {
      await this.deps.request({ action: "message", op: "read", dialog_id: id, up_to: upTo });
      this.deps.sidebar.setUnread(id, 0);
    } catch {
      // Offline: read again after the reconnect's catch-up.
    }
  }

  /** Marks the dialog unread for me alone, and closes it. */
  async markUnread(id: string): Promise<void> {
    try {
      const ack = await this.deps.request({ action: "message", op: "mark_unread", dialog_id: id });
      batch(() => {
        if (ack.dialog) this.deps.sidebar.upsert(ack.dialog);
        this.deps.sidebar.setUnread(id, Math.max(1, ack.dialog?.unread ?? 1));
        this.selected.value = null;
      });
    } catch (e) {
      this.deps.notice.value = e instanceof Error ? e.message : String(e);
    }
  }

  /** Whether I am connected to the dialog (one of its participants). */
  connected(id: string): boolean {
    const row = this.deps.sidebar.rows.value.get(id);
    return !!row?.dialog.participants.some((p) => p.id === this.deps.me.value?.id);
  }
}
