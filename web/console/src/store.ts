// The console's live state in signals, and what moves it: server events, HTTP pages, the outbox.
// The rules themselves live in state/*.ts (plain functions, unit-tested); this file wires them.

import { batch, computed, signal } from "@preact/signals";
import type {
  AttachmentLimits,
  AttachmentLinks,
  DialogAttachment,
  DialogView,
  MessageView,
  OperatorStatus,
  OperatorView,
  Role,
  ServerEvent,
  SiteUpdate,
  SiteView,
  VisitorCard,
} from "../../protocol/protocol";
import { FatalConnectError, RequestError, Socket, type ConnectionState } from "../../common/socket";
import { Outbox, type Outgoing } from "../../common/outbox";
import { applyReceipt, catchUpAfter, latestSeq, mergeMessages } from "../../common/timeline";
import { uploadFile } from "../../common/upload";
import { newId } from "../../common/ids";
import { Api, ApiError } from "./api";
import * as sb from "./state/sidebar";
import { setDraft, type QuickReply } from "./state/compose";
import { applyPage, type Cards } from "./state/visitor";
import * as search from "./state/search";
import { carried, choose, emptyTray, summary, holdLinks, needsLinks, updateChip, type Chip, type HeldLinks, type Tray } from "./state/attachments";
import { notify, playMelody } from "./sound";

export interface Pane {
  messages: MessageView[];
  /** Older history is there to load (endless scroll upward). */
  more: boolean;
  loading: boolean;
}

const SESSION_KEY = "parlor.console.session";
const noDrafts: ReadonlyMap<string, string> = new Map();

export class Store {
  readonly me = signal<OperatorView | null>(null);
  readonly connection = signal<ConnectionState>("offline");
  readonly rows = signal<sb.Rows>(new Map());
  readonly panes = signal<ReadonlyMap<string, Pane>>(new Map());
  readonly selected = signal<string | null>(null);
  readonly drafts = signal<ReadonlyMap<string, string>>(new Map());
  readonly pending = signal<readonly Outgoing[]>([]);
  readonly typing = signal<ReadonlyMap<string, number>>(new Map());
  readonly operators = signal<OperatorView[]>([]);
  readonly quickReplies = signal<QuickReply[]>([]);
  readonly notice = signal<string | null>(null);
  /** Which part of the console shows: the dialogs, or the admins' Settings (the dialogs stay mounted). */
  readonly page = signal<"dialogs" | "settings">("dialogs");
  /** The workspace's sites, loaded when an admin opens Settings; null until then. */
  readonly sites = signal<SiteView[] | null>(null);
  readonly sitesError = signal<string | null>(null);
  /** The visitor panel's card per dialog, and whether the panel is open. */
  readonly cards = signal<Cards>(new Map());
  readonly visitorPanel = signal(true);
  /** The "Show attachments" panel, in place of the visitor panel while open. */
  readonly attachmentsPanel = signal(false);
  /** Files chosen for each dialog's next message, and the ones just refused. */
  readonly trays = signal<ReadonlyMap<string, Tray>>(new Map());
  /** Short-lived links to stored files, by attachment id. */
  readonly links = signal<ReadonlyMap<string, HeldLinks>>(new Map());
  readonly view = signal<Omit<sb.View, "me">>({ tab: "open", filter: "all", sort: "activity", query: "" });
  /** The server's search for what the search box holds. */
  readonly search = signal<search.Search>(search.idleSearch);
  /** The server's hits that count for the box as it is now. */
  readonly found = computed(() => search.hitsFor(this.search.value, this.view.value.query));

  readonly unreadDialogs = computed(() => sb.unreadDialogs(this.rows.value));
  readonly ringing = computed(() => sb.anyRinging(this.rows.value));
  /** The list's view with who I am; one object for both the rows and the tab counts. */
  private readonly fullView = computed<sb.View>(() => ({ ...this.view.value, me: this.me.value?.id ?? "" }));
  /** Drafts count for the list only while searching: typing in the composer leaves it alone otherwise. */
  private readonly searchedDrafts = computed(() => (this.view.value.query.trim() ? this.drafts.value : noDrafts));
  readonly visible = computed(() => sb.visibleRows(this.rows.value, this.fullView.value, this.searchedDrafts.value, this.found.value));
  readonly tabCounts = computed(() => sb.tabCounts(this.rows.value, this.fullView.value, this.searchedDrafts.value, this.found.value));

  private socket: Socket | null = null;
  private outbox: Outbox;
  private melody: ReturnType<typeof setInterval> | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  private searchAbort: AbortController | null = null;
  private limits: Promise<AttachmentLimits> | null = null;
  private uploads = new Map<string, AbortController>();
  private linkRequests = new Map<string, Promise<void>>();

  constructor(readonly api: Api) {
    this.outbox = new Outbox({
      send: async (item) => {
        const ack = await this.request({
          action: "message",
          op: item.kind,
          dialog_id: item.dialog_id!,
          client_id: item.client_id,
          text: item.text,
          ...(item.reply_to !== undefined ? { reply_to: item.reply_to } : {}),
          ...(item.uploads?.length ? { uploads: item.uploads } : {}),
        });
        // The ack carries the dialog's new summary: my answer is now its last message.
        if (ack.dialog) this.upsert(ack.dialog, false);
        return ack;
      },
      onStored: (_item, m) => m && this.addMessages(m.dialog_id, [m]),
      onChange: (items) => (this.pending.value = items),
    });
    this.ringing.subscribe((on) => this.ring(on));
    // Once per page: the listener finds whichever socket is current.
    if (typeof addEventListener === "function") addEventListener("online", () => this.socket?.reconnectNow());
  }

  /** Signs in again from the token kept in this tab, if it is still good. */
  async resume(): Promise<boolean> {
    const kept = sessionStorage.getItem(SESSION_KEY);
    if (!kept) return false;
    this.api.token = kept;
    try {
      this.start(await this.api.me());
      return true;
    } catch {
      sessionStorage.removeItem(SESSION_KEY);
      this.api.token = null;
      return false;
    }
  }

  async login(email: string, password: string): Promise<void> {
    const session = await this.api.login(email, password);
    this.api.token = session.token;
    sessionStorage.setItem(SESSION_KEY, session.token);
    if (typeof Notification !== "undefined" && Notification.permission === "default") void Notification.requestPermission().catch(() => {});
    this.start(session.operator);
  }

  /**
   * Signs out: forgets the kept session and loads the page afresh, so nothing of this operator
   * (queued messages, drafts, open dialogs, cards) is left for whoever signs in next.
   */
  logout(): void {
    sessionStorage.removeItem(SESSION_KEY);
    this.socket?.stop();
    this.socket = null;
    this.api.token = null;
    location.reload();
  }

  private start(me: OperatorView): void {
    this.me.value = me;
    this.socket = new Socket({
      url: async () => {
        try {
          const { ticket } = await this.api.ticket();
          const sep = this.api.endpoints.ws.includes("?") ? "&" : "?";
          return `${this.api.endpoints.ws}${sep}v=1&ticket=${encodeURIComponent(ticket)}`;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) throw new FatalConnectError("signed out");
          throw e;
        }
      },
      onEvent: (e) => this.onEvent(e),
      onState: (s) => {
        this.connection.value = s;
        if (s === "stopped" && this.api.token) this.logout();
      },
      onOpen: () => void this.catchUp(),
    });
    this.socket.start();
  }

  request(action: Parameters<Socket["request"]>[0]) {
    if (!this.socket) return Promise.reject(new RequestError("offline", "not connected"));
    return this.socket.request(action);
  }

  /** After every open: the lists again (everything may have moved), the open dialog from its newest seq, the outbox. */
  async catchUp(): Promise<void> {
    try {
      const [open, closed, ops, quick] = await Promise.all([
        this.api.dialogs("open"),
        this.api.dialogs("closed"),
        this.api.operators(),
        this.api.quickReplies(),
      ]);
      batch(() => {
        this.quickReplies.value = quick.quick_replies;
        let rows: sb.Rows = new Map();
        for (const d of [...open.dialogs, ...closed.dialogs]) rows = sb.upsertDialog(rows, d, this.rows.value.get(d.id)?.ringing ?? shouldRing(d, this.me.value));
        // Dialogs the search found beyond the lists' pages stay while their query does.
        this.rows.value = search.mergeHits(rows, this.search.value.hits);
        this.operators.value = ops.operators;
      });
      const id = this.selected.value;
      // Other panes and cards missed what came while the socket was down: they load afresh when next opened.
      const kept = id ? this.panes.value.get(id) : undefined;
      batch(() => {
        if (this.panes.value.size > (kept ? 1 : 0)) this.panes.value = kept ? new Map([[id!, kept]]) : new Map();
        const card = id ? this.cards.value.get(id) : undefined;
        if (this.cards.value.size > (card ? 1 : 0)) this.cards.value = card ? new Map([[id!, card]]) : new Map();
      });
      if (id && kept) {
        // Pages the visitor opened while this socket was down came as events nobody heard.
        void this.loadCard(id);
        await this.fetchAfter(id);
        void this.markRead(id);
      }
    } catch (e) {
      this.notice.value = `Could not load dialogs: ${e instanceof Error ? e.message : String(e)}`;
    }
    void this.outbox.flush();
  }

  private onEvent(e: ServerEvent): void {
    switch (e.type) {
      case "dialog.created":
        this.upsert(e.dialog, e.ring);
        this.addMessages(e.dialog.id, [e.message]);
        if (e.ring) notify(`New dialog: ${e.dialog.visitor_name}`, e.message.text);
        break;
      case "dialog.updated":
        this.upsert(e.dialog, e.ring);
        if (e.event) this.addMessages(e.dialog.id, [e.event]);
        break;
      case "dialog.removed":
        this.forget(e.dialog_id);
        break;
      case "message.created": {
        const m = e.message;
        if (e.dialog) this.upsert(e.dialog, e.ring);
        this.addMessages(m.dialog_id, [m]);
        if (m.kind === "visitor") {
          this.setTyping(m.dialog_id, false);
          const mine = e.dialog?.participants.some((p) => p.id === this.me.value?.id);
          if (e.ring || mine) notify(m.author_name ?? "Visitor", summary(m));
          if (this.selected.value === m.dialog_id && document.visibilityState === "visible") void this.markRead(m.dialog_id);
        }
        break;
      }
      case "message.status": {
        const pane = this.panes.value.get(e.dialog_id);
        if (pane) this.setPane(e.dialog_id, { ...pane, messages: applyReceipt(pane.messages, e.side, e.status, e.up_to) });
        break;
      }
      case "typing":
        if (e.side === "visitor") this.setTyping(e.dialog_id, e.typing);
        break;
      case "dialog.read":
        this.rows.value = sb.setUnread(this.rows.value, e.dialog_id, e.unread);
        break;
      case "operator.status":
        this.operators.value = this.operators.value.map((o) => (o.id === e.operator_id ? { ...o, status: e.status } : o));
        break;
      case "visitor.page":
        this.cards.value = applyPage(this.cards.value, e);
        break;
      default:
        break;
    }
  }

  private upsert(d: DialogView, ring?: boolean): void {
    this.rows.value = sb.upsertDialog(this.rows.value, d, ring);
  }

  private setTyping(id: string, on: boolean): void {
    const t = new Map(this.typing.value);
    if (on) t.set(id, Date.now());
    else t.delete(id);
    this.typing.value = t;
    if (on) setTimeout(() => {
      const at = this.typing.value.get(id);
      if (at !== undefined && Date.now() - at >= 6000) this.setTyping(id, false);
    }, 6500);
  }

  private setPane(id: string, pane: Pane): void {
    const p = new Map(this.panes.value);
    p.set(id, pane);
    this.panes.value = p;
  }

  /** Messages for a dialog whose pane is loaded; others load from history when opened. */
  private addMessages(id: string, ms: MessageView[]): void {
    const pane = this.panes.value.get(id);
    if (pane) this.setPane(id, { ...pane, messages: mergeMessages(pane.messages, ms) });
  }

  /** Opens a dialog; `connect` also joins it (a click in the sidebar), Alt+arrows only look. */
  async open(id: string, connect: boolean): Promise<void> {
    this.selected.value = id;
    // Once loaded, a card follows `visitor.page` events (and a reconnect's catch-up reloads it).
    if (!this.cards.value.get(id)?.card) void this.loadCard(id);
    if (!this.panes.value.has(id)) {
      this.setPane(id, { messages: [], more: false, loading: true });
      try {
        const page = await this.api.history(id);
        this.setPane(id, { messages: mergeMessages(this.panes.value.get(id)?.messages ?? [], page.messages), more: page.next_before !== undefined, loading: false });
      } catch (e) {
        this.setPane(id, { messages: [], more: false, loading: false });
        this.notice.value = `Could not load the dialog: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const row = this.rows.value.get(id);
    if (connect && row?.dialog.status === "open") await this.join(id);
    void this.markRead(id);
  }

  /** The visitor's card for the panel; `visitor.page` events keep it current from then on. */
  async loadCard(id: string): Promise<void> {
    let entry: { card?: VisitorCard; failed?: boolean };
    try {
      const card = await this.api.visitorCard(id);
      // A `visitor.page` that overtook this answer holds the newer page.
      const held = this.cards.value.get(id)?.card?.current_page;
      const newer = held && (!card.current_page || held.at > card.current_page.at);
      entry = { card: newer ? { ...card, current_page: held } : card };
    } catch {
      entry = { ...this.cards.value.get(id), failed: true };
    }
    const cards = new Map(this.cards.value);
    cards.set(id, entry);
    this.cards.value = cards;
  }

  async join(id: string): Promise<void> {
    const row = this.rows.value.get(id);
    if (row?.dialog.participants.some((p) => p.id === this.me.value?.id)) return;
    await this.command({ action: "assign", op: "join", dialog_id: id });
  }

  /** Runs one command frame and applies what its ack carries; a refusal shows as a notice. */
  async command(action: Parameters<Socket["request"]>[0]): Promise<boolean> {
    try {
      const ack = await this.request(action);
      if (ack.dialog) this.upsert(ack.dialog, false);
      if (ack.message) this.addMessages(ack.message.dialog_id, [ack.message]);
      return true;
    } catch (e) {
      this.notice.value = e instanceof Error ? e.message : String(e);
      return false;
    }
  }

  /**
   * Hands the dialog to another operator. Only the one in charge or an admin may; a non-admin
   * loses the dialog with it, and learns so from the ack, not from `dialog.removed`.
   */
  async transfer(id: string, to: string, comment: string): Promise<boolean> {
    const ok = await this.command({ action: "assign", op: "transfer", dialog_id: id, to, ...(comment ? { comment } : {}) });
    if (ok && this.me.value?.role !== "admin") this.forget(id);
    return ok;
  }

  private forget(id: string): void {
    batch(() => {
      this.rows.value = sb.removeDialog(this.rows.value, id);
      this.search.value = search.dropHit(this.search.value, id);
      if (this.selected.value === id) this.selected.value = null;
    });
  }

  async leave(id: string): Promise<void> {
    await this.command({ action: "assign", op: "leave", dialog_id: id });
  }

  async markRead(id: string): Promise<void> {
    const pane = this.panes.value.get(id);
    const row = this.rows.value.get(id);
    if (!pane || !row || row.unread === 0) return;
    const upTo = latestSeq(pane.messages);
    if (upTo === 0) return;
    try {
      await this.request({ action: "message", op: "read", dialog_id: id, up_to: upTo });
      this.rows.value = sb.setUnread(this.rows.value, id, 0);
    } catch {
      // Offline: read again after the reconnect's catch-up.
    }
  }

  async markUnread(id: string): Promise<void> {
    try {
      const ack = await this.request({ action: "message", op: "mark_unread", dialog_id: id });
      batch(() => {
        if (ack.dialog) this.upsert(ack.dialog);
        this.rows.value = sb.setUnread(this.rows.value, id, Math.max(1, ack.dialog?.unread ?? 1));
        this.selected.value = null;
      });
    } catch (e) {
      this.notice.value = e instanceof Error ? e.message : String(e);
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
  private async fetchAfter(id: string): Promise<void> {
    const after = latestSeq(this.panes.value.get(id)?.messages ?? []);
    await catchUpAfter(after, (a) => this.api.history(id, { after: a }), (ms) => this.addMessages(id, ms));
  }

  /** Sends (or whispers) from the composer; an operator not yet connected joins first. */
  async send(id: string, text: string, whisper: boolean, replyTo?: number): Promise<void> {
    // Whispers are text-only: the files stay above the composer for a message to the visitor.
    const files = whisper ? null : carried(this.tray(id).chips);
    if (files) this.setTray(id, emptyTray);
    this.drafts.value = setDraft(this.drafts.value, id, "");
    if (!whisper) await this.join(id);
    this.outbox.add({ kind: whisper ? "whisper" : "send", dialog_id: id, text, ...(replyTo !== undefined ? { reply_to: replyTo } : {}), ...files });
  }

  tray(id: string): Tray {
    return this.trays.value.get(id) ?? emptyTray;
  }

  private setTray(id: string, tray: Tray): void {
    const t = new Map(this.trays.value);
    if (tray.chips.length === 0 && tray.refused.length === 0) t.delete(id);
    else t.set(id, tray);
    this.trays.value = t;
  }

  /** The workspace's limits, asked once; the server checks every file again anyway. */
  attachmentLimits(): Promise<AttachmentLimits> {
    this.limits ??= this.api.attachmentLimits().catch((e) => {
      this.limits = null;
      throw e;
    });
    return this.limits;
  }

  /** Settings asks afresh each time it opens: another admin may have changed them. */
  reloadAttachmentLimits(): Promise<AttachmentLimits> {
    this.limits = null;
    return this.attachmentLimits();
  }

  /** Admins change the limits; the server's refusal is thrown for the form to show. */
  async saveAttachmentLimits(limits: AttachmentLimits): Promise<AttachmentLimits> {
    const saved = await this.api.setAttachmentLimits(limits);
    this.limits = Promise.resolve(saved);
    return saved;
  }

  /**
   * Files chosen for a dialog's next message (picker, drop or paste): each is checked against the
   * limits before a byte leaves, and the accepted ones upload at once, each with its progress.
   */
  async attach(id: string, files: readonly File[]): Promise<void> {
    let limits: AttachmentLimits;
    try {
      limits = await this.attachmentLimits();
    } catch (e) {
      this.setTray(id, { ...this.tray(id), refused: [`Files cannot be sent now: ${e instanceof Error ? e.message : String(e)}`] });
      return;
    }
    const tray = this.tray(id);
    const { accepted, refused } = choose(files, limits, tray.chips.length);
    const chips = accepted.map((f): Chip => ({ key: newId(), name: f.name, size: f.size, progress: 0, state: "uploading" }));
    this.setTray(id, { chips: [...tray.chips, ...chips], refused });
    accepted.forEach((f, i) => void this.upload(id, chips[i].key, f));
  }

  private async upload(id: string, key: string, file: File): Promise<void> {
    const abort = new AbortController();
    this.uploads.set(key, abort);
    const patch = (p: Partial<Chip>) => this.setTray(id, updateChip(this.tray(id), key, p));
    try {
      const done = await uploadFile(this.api.endpoints.http, this.api.token ?? "", file, (progress) => patch({ progress }), abort.signal);
      if (!abort.signal.aborted) patch({ state: "done", progress: 1, ...done });
    } catch (e) {
      if (!abort.signal.aborted) patch({ state: "failed", error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.uploads.delete(key);
    }
  }

  /** Takes a file off the next message, stopping its upload. */
  removeChip(id: string, key: string): void {
    this.uploads.get(key)?.abort();
    const tray = this.tray(id);
    this.setTray(id, { ...tray, chips: tray.chips.filter((c) => c.key !== key) });
  }

  /** Files that may not go, said in words above the composer. */
  refuse(id: string, why: string): void {
    this.setTray(id, { ...this.tray(id), refused: [why] });
  }

  dismissRefused(id: string): void {
    this.setTray(id, { ...this.tray(id), refused: [] });
  }

  /**
   * A file's links, fetched (with the rest of its message's) when none are held fresh, or when
   * the held one failed to load; one request per message at a time.
   */
  async linksFor(dialogId: string, seq: number, attachmentId: string, broken = false): Promise<AttachmentLinks | undefined> {
    const key = `${dialogId}:${seq}`;
    if (needsLinks(this.links.value.get(attachmentId), Date.now(), broken)) {
      let asked = this.linkRequests.get(key);
      if (!asked) {
        asked = this.api
          .messageAttachments(dialogId, seq)
          .then((r) => void (this.links.value = holdLinks(this.links.value, r.attachments, Date.now())))
          // The file shows by name without its links; the next look asks again.
          .catch(() => {})
          .finally(() => this.linkRequests.delete(key));
        this.linkRequests.set(key, asked);
      }
      await asked;
    }
    return this.links.value.get(attachmentId)?.links;
  }

  /** The "Show attachments" panel's list; its links go with the others. */
  async dialogAttachments(id: string): Promise<DialogAttachment[]> {
    const { attachments } = await this.api.dialogAttachments(id);
    this.links.value = holdLinks(
      this.links.value,
      attachments.map((a) => a.links),
      Date.now(),
    );
    return attachments;
  }

  /** "Send again" from the panel: a message carrying the stored file; like the composer, it joins first. */
  async resend(id: string, item: DialogAttachment): Promise<void> {
    await this.join(id);
    this.outbox.add({ kind: "send", dialog_id: id, text: "", uploads: [item.resend], attachments: [item.attachment] });
  }

  retry(clientId: string): void {
    this.outbox.retry(clientId);
  }

  discard(clientId: string): void {
    this.outbox.discard(clientId);
  }

  typingSent = new Map<string, number>();

  /** Tells the visitor I am typing, at most every few seconds. */
  typed(id: string, text: string): void {
    this.drafts.value = setDraft(this.drafts.value, id, text);
    const last = this.typingSent.get(id) ?? 0;
    const row = this.rows.value.get(id);
    if (!text || Date.now() - last < 4000 || !row?.dialog.participants.some((p) => p.id === this.me.value?.id)) return;
    this.typingSent.set(id, Date.now());
    this.request({ action: "message", op: "typing", dialog_id: id, typing: true }).catch(() => {});
  }

  /**
   * The search box changed: the list filters what it holds at once, and the server is asked once
   * typing pauses. Only the latest query's answer counts; clearing the box cancels what is asked.
   */
  setQuery(query: string): void {
    this.view.value = { ...this.view.value, query };
    const q = search.askable(query);
    const now = this.search.value;
    if (q !== null && q === now.query && now.status !== "failed") return;
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = null;
    this.searchAbort?.abort();
    this.searchAbort = null;
    if (q === null) {
      this.search.value = search.cleared(now);
      return;
    }
    const asked = search.asked(now, q);
    this.search.value = asked;
    this.searchTimer = setTimeout(() => void this.runSearch(q, asked.ticket), search.SEARCH_DEBOUNCE_MS);
  }

  private async runSearch(query: string, ticket: number): Promise<void> {
    this.searchTimer = null;
    const abort = new AbortController();
    this.searchAbort = abort;
    try {
      const results = await this.api.search(query, abort.signal);
      batch(() => {
        const before = this.search.value;
        this.search.value = search.answered(before, ticket, results);
        if (this.search.value !== before) this.rows.value = search.mergeHits(this.rows.value, this.search.value.hits);
      });
    } catch (e) {
      if (abort.signal.aborted) return;
      this.search.value = search.failed(this.search.value, ticket, e instanceof Error ? e.message : String(e));
    } finally {
      if (this.searchAbort === abort) this.searchAbort = null;
    }
  }

  async setStatus(status: OperatorStatus): Promise<void> {
    try {
      this.me.value = await this.api.setStatus(status);
    } catch (e) {
      this.notice.value = e instanceof Error ? e.message : String(e);
    }
  }

  /** Quick replies live on the server: they follow the operator to any browser. */
  async saveQuickReply(title: string, text: string): Promise<boolean> {
    try {
      const saved = await this.api.addQuickReply(title, text);
      this.quickReplies.value = [...this.quickReplies.value, saved];
      return true;
    } catch (e) {
      this.notice.value = `Could not save the quick reply: ${e instanceof Error ? e.message : String(e)}`;
      return false;
    }
  }

  async deleteQuickReply(id: string): Promise<void> {
    try {
      await this.api.deleteQuickReply(id);
      this.quickReplies.value = this.quickReplies.value.filter((q) => q.id !== id);
    } catch (e) {
      this.notice.value = `Could not delete the quick reply: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Admins: Settings loads the sites each time it opens (another admin may have changed them). */
  async loadSites(): Promise<void> {
    try {
      this.sites.value = (await this.api.sites()).sites;
      this.sitesError.value = null;
    } catch (e) {
      this.sitesError.value = `Could not load the sites: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Admins add an operator; the server's refusal (a taken email …) is thrown for the form to show. */
  async addOperator(operator: { name: string; email: string; password: string; role: Role }): Promise<OperatorView> {
    const added = await this.api.addOperator(operator);
    if (!this.operators.value.some((o) => o.id === added.id)) this.operators.value = [...this.operators.value, added];
    return added;
  }

  /** Admins save a site's form; the server's refusal is thrown for the form to show. */
  async saveSite(key: string, update: SiteUpdate): Promise<SiteView> {
    const saved = await this.api.updateSite(key, update);
    this.sites.value = (this.sites.value ?? []).map((s) => (s.key === saved.key ? saved : s));
    return saved;
  }

  private ring(on: boolean): void {
    if (on && !this.melody) {
      playMelody();
      this.melody = setInterval(playMelody, 3000);
    } else if (!on && this.melody) {
      clearInterval(this.melody);
      this.melody = null;
    }
  }
}

/** A dialog loaded over HTTP rings when the server would ring for it: open, waiting, nobody connected, I am online. */
function shouldRing(d: DialogView, me: OperatorView | null): boolean {
  return d.status === "open" && d.needs_answer && d.participants.length === 0 && me?.status === "online";
}
