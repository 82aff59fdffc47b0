// Who is signed in: sign-in (choosing a workspace where an address has several), the session kept
// in this tab, signing out on the server (this session or all of mine), my name, password and
// status, and what happens when the server ends the session: back to the sign-in page, saying why.

import { signal, type Signal } from "@preact/signals";
import type { LoggedIn, OperatorStatus, OperatorView, WorkspaceId } from "../../../protocol/protocol";
import type { Api } from "../api";
import { endedMessage } from "../state/session";

export const SESSION_KEY = "parlor.console.session";
/** Why the last session ended on the server, for the sign-in page to say once. */
export const ENDED_KEY = "parlor.console.ended";

export interface SessionDeps {
  notice: Signal<string | null>;
  /** The socket opens once I am signed in, and closes when I sign out. */
  connect(): void;
  disconnect(): void;
}

type SessionApi = Pick<Api, "token" | "renewal" | "me" | "login" | "setStatus" | "rename" | "changePassword" | "signOut" | "signOutEverywhere">;

export class SessionStore {
  readonly me = signal<OperatorView | null>(null);
  private ending = false;

  constructor(
    private readonly api: SessionApi,
    private readonly deps: SessionDeps,
  ) {}

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

  /** Throws the server's refusal; `choose_workspace` carries the workspaces to choose from. */
  async login(email: string, password: string, workspace?: WorkspaceId): Promise<void> {
    const session = await this.api.login(email, password, workspace);
    this.keep(session);
    sessionStorage.removeItem(ENDED_KEY);
    if (typeof Notification !== "undefined" && Notification.permission === "default") void Notification.requestPermission().catch(() => {});
    this.start(session.operator);
  }

  /**
   * Forgets the kept session here and loads the page afresh, so nothing of this operator (queued
   * messages, drafts, open dialogs, cards) is left for whoever signs in next.
   */
  logout(): void {
    sessionStorage.removeItem(SESSION_KEY);
    this.deps.disconnect();
    this.api.token = null;
    location.reload();
  }

  /** Signs this session out on the server, then here. Signing out here happens either way. */
  async signOut(): Promise<void> {
    // The server closes this session's socket as it answers: that is no session "ended" to report.
    this.ending = true;
    try {
      await this.api.signOut();
    } catch {
      // Already over on the server, or unreachable: this tab forgets it all the same.
    }
    this.logout();
  }

  /** Signs every session of mine out on the server, then this tab; a failure is thrown for the panel. */
  async signOutEverywhere(): Promise<void> {
    this.ending = true;
    try {
      await this.api.signOutEverywhere();
    } catch (e) {
      this.ending = false;
      throw e;
    }
    this.logout();
  }

  /**
   * The server refused the session (signed out elsewhere, a password changed, deactivated,
   * expired): back to the sign-in page, which says why.
   */
  ended(reason: string): void {
    if (this.ending || !this.api.token) return;
    this.ending = true;
    sessionStorage.setItem(ENDED_KEY, endedMessage(reason));
    this.logout();
  }

  /** Why the last session ended, once (the sign-in page shows it). */
  takeEndedMessage(): string | null {
    const said = sessionStorage.getItem(ENDED_KEY);
    sessionStorage.removeItem(ENDED_KEY);
    return said;
  }

  /** My display name; a refusal is thrown for the form. */
  async rename(name: string): Promise<void> {
    this.me.value = await this.api.rename(name);
  }

  /**
   * My password: the server ends every session of mine and answers a new one, which this tab keeps;
   * the socket, closed by the server meanwhile, asks for its next ticket with it.
   */
  async changePassword(current: string, next: string): Promise<void> {
    const renewal = this.api.changePassword(current, next);
    this.api.renewal = renewal;
    try {
      const session = await renewal;
      this.keep(session);
      this.me.value = session.operator;
    } finally {
      if (this.api.renewal === renewal) this.api.renewal = null;
    }
  }

  /** An operator changed (`operator.updated`): when it is me, my name and role follow. */
  updated(op: OperatorView): void {
    const me = this.me.value;
    if (me && me.id === op.id) this.me.value = { ...op, status: me.status };
  }

  async setStatus(status: OperatorStatus): Promise<void> {
    try {
      this.me.value = await this.api.setStatus(status);
    } catch (e) {
      this.deps.notice.value = e instanceof Error ? e.message : String(e);
    }
  }

  private keep(session: LoggedIn): void {
    this.api.token = session.token;
    sessionStorage.setItem(SESSION_KEY, session.token);
  }

  private start(me: OperatorView): void {
    this.me.value = me;
    this.deps.connect();
  }
}
