// Who is signed in: sign-in, the session kept in this tab, sign-out, and my status.

import { signal, type Signal } from "@preact/signals";
import type { OperatorStatus, OperatorView } from "../../../protocol/protocol";
import type { Api } from "../api";

export const SESSION_KEY = "parlor.console.session";

export interface SessionDeps {
  notice: Signal<string | null>;
  /** The socket opens once I am signed in, and closes when I sign out. */
  connect(): void;
  disconnect(): void;
}

export class SessionStore {
  readonly me = signal<OperatorView | null>(null);

  constructor(
    private readonly api: Pick<Api, "token" | "me" | "login" | "setStatus">,
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
    this.deps.disconnect();
    this.api.token = null;
    location.reload();
  }

  async setStatus(status: OperatorStatus): Promise<void> {
    try {
      this.me.value = await this.api.setStatus(status);
    } catch (e) {
      this.deps.notice.value = e instanceof Error ? e.message : String(e);
    }
  }

  private start(me: OperatorView): void {
    this.me.value = me;
    this.deps.connect();
  }
}
