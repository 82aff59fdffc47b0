// The console's live state: one store per concept (stores/*.ts), composed here into the one root
// the UI is given, with what spans them: the catch-up after every (re)connect, and the map that
// hands each server event to its handler (stores/events.ts). The rules themselves live in
// state/*.ts (plain functions, unit-tested).

import { batch, signal } from "@preact/signals";
import { Socket, type SocketOptions } from "../../common/socket";
import type { Api } from "./api";
import { ringWhile } from "./sound";
import { AttachmentsStore } from "./stores/attachments";
import { ComposerStore } from "./stores/composer";
import { ConnectionStore, type SocketLike } from "./stores/connection";
import { DialogStore } from "./stores/dialog";
import { dispatch, eventHandlers } from "./stores/events";
import { QuickRepliesStore } from "./stores/quick-replies";
import { SessionStore } from "./stores/session";
import { SidebarStore } from "./stores/sidebar";
import { TagsStore } from "./stores/tags";
import { TimelineStore } from "./stores/timeline";
import { VisitorStore } from "./stores/visitor";
import { ContactsStore } from "./stores/contacts";
import { WorkspaceStore } from "./stores/workspace";
import { ThemeStore } from "./stores/theme";
import { localOrMemory } from "../../common/storage";

export class Store {
  /** A refusal or failure said once at the top, until dismissed. */
  readonly notice = signal<string | null>(null);
  /** Which part of the console shows: the dialogs, or the admins' Settings (the dialogs stay mounted). */
  readonly page = signal<"dialogs" | "settings" | "reports">("dialogs");

  readonly session: SessionStore;
  readonly connection: ConnectionStore;
  readonly sidebar: SidebarStore;
  readonly timeline: TimelineStore;
  readonly dialog: DialogStore;
  readonly visitor: VisitorStore;
  readonly contacts: ContactsStore;
  readonly composer: ComposerStore;
  readonly attachments: AttachmentsStore;
  readonly quickReplies: QuickRepliesStore;
  readonly workspace: WorkspaceStore;
  readonly tags: TagsStore;
  /** The colour theme this browser keeps (local storage; memory where that is refused). */
  readonly theme = new ThemeStore(localOrMemory());

  /** `socket` makes the WebSocket; a test hands in its own. */
  constructor(
    readonly api: Api,
    socket: (o: SocketOptions) => SocketLike = (o) => new Socket(o),
  ) {
    const notice = this.notice;
    const handlers = eventHandlers(this);
    const request: ConnectionStore["request"] = (action) => this.connection.request(action);
    this.connection = new ConnectionStore(api, {
      onEvent: (e) => dispatch(handlers, e),
      onOpen: () => void this.catchUp(),
      onSignedOut: (reason) => this.session.ended(reason),
    }, socket);
    this.session = new SessionStore(api, { notice, connect: () => this.connection.start(), disconnect: () => this.connection.stop() });
    // Any call the server answers 401 with the session held: it ended there (signed out, deactivated).
    api.onSessionEnded = (reason) => this.session.ended(reason);
    this.timeline = new TimelineStore(api, notice);
    this.visitor = new VisitorStore(api);
    this.attachments = new AttachmentsStore(api);
    this.quickReplies = new QuickRepliesStore(api, notice);
    this.workspace = new WorkspaceStore(api);
    this.composer = new ComposerStore({
      request,
      upsert: (d, ring) => this.sidebar.upsert(d, ring),
      add: (id, ms) => this.timeline.add(id, ms),
      join: (id) => this.dialog.join(id),
      connected: (id) => this.dialog.connected(id),
      attachments: this.attachments,
    });
    this.tags = new TagsStore(api);
    this.sidebar = new SidebarStore(api, { me: this.session.me, drafts: this.composer.drafts, handling: this.workspace.handling, tags: this.tags.byId });
    this.contacts = new ContactsStore(api, this.sidebar);
    this.dialog = new DialogStore({ me: this.session.me, notice, request, sidebar: this.sidebar, timeline: this.timeline, visitor: this.visitor });
    ringWhile(this.sidebar.ringing);
  }

  /**
   * After every open: the lists again (everything may have moved; the first page of each, then the
   * rest of the open list), the open dialog from its newest seq, the outbox.
   */
  async catchUp(): Promise<void> {
    try {
      const round = this.sidebar.begin();
      const [open, closed, ops, quick] = await Promise.all([
        this.api.dialogs("open"),
        this.api.dialogs("closed"),
        this.api.operators(),
        this.api.quickReplies(),
      ]);
      batch(() => {
        this.quickReplies.replies.value = quick.quick_replies;
        this.sidebar.page("open", open, round);
        this.sidebar.page("closed", closed, round);
        this.workspace.operators.value = ops.operators;
      });
      void this.workspace.loadHandling();
      void this.contacts.loadChannels();
      void this.tags.load();
      // Every open dialog counts for the header's unread number; closed ones come as the list scrolls.
      void this.sidebar.loadAll("open");
      const id = this.dialog.selected.value;
      // Other panes and cards missed what came while the socket was down: they load afresh when next opened.
      const kept = batch(() => {
        const pane = this.timeline.keepOnly(id);
        this.visitor.keepOnly(id);
        return pane;
      });
      if (id && kept) {
        // Pages the visitor opened while this socket was down came as events nobody heard.
        void this.visitor.load(id);
        await this.timeline.fetchAfter(id);
        void this.dialog.markRead(id);
      }
    } catch (e) {
      this.notice.value = `Could not load dialogs: ${e instanceof Error ? e.message : String(e)}`;
    }
    void this.composer.flush();
  }
}
