// The HTTP API as the console calls it (docs/protocol.md, "HTTP API").

import type {
  AttachmentLimits,
  DialogAttachments,
  DialogPage,
  DialogStatus,
  GroupChange,
  GroupId,
  GroupList,
  GroupView,
  HistoryPage,
  LoggedIn,
  MessageAttachments,
  OperatorId,
  OperatorList,
  OperatorStatus,
  OperatorView,
  PushChoices,
  PushSettings,
  QuickReplyList,
  QuickReplyView,
  Role,
  SearchResults,
  SiteList,
  SiteUpdate,
  SiteView,
  TicketView,
  VisitorCard,
} from "../../protocol/protocol";
import type { Endpoints } from "../../common/config";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** `rate_limited`: the seconds to wait before trying again. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export class Api {
  token: string | null = null;

  constructor(readonly endpoints: Endpoints) {}

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.endpoints.http}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? "internal", json?.error?.message ?? res.statusText, json?.error?.retry_after);
    return json as T;
  }

  login(email: string, password: string): Promise<LoggedIn> {
    return this.call("POST", "/login", { email, password });
  }

  ticket(): Promise<TicketView> {
    return this.call("POST", "/tickets");
  }

  me(): Promise<OperatorView> {
    return this.call("GET", "/me");
  }

  setStatus(status: OperatorStatus): Promise<OperatorView> {
    return this.call("POST", "/me/status", { status });
  }

  operators(): Promise<OperatorList> {
    return this.call("GET", "/operators");
  }

  /** Admins only: a new operator of my workspace. */
  addOperator(operator: { name: string; email: string; password: string; role: Role }): Promise<OperatorView> {
    return this.call("POST", "/operators", operator);
  }

  /** Admins only: the workspace's groups, "Everyone" first, with their rights and members. */
  groups(): Promise<GroupList> {
    return this.call("GET", "/groups");
  }

  /** Admins only. */
  createGroup(change: GroupChange): Promise<GroupView> {
    return this.call("POST", "/groups", change);
  }

  /** Admins only: renames a group or changes its rights ("Everyone" keeps its name). */
  updateGroup(id: GroupId, change: GroupChange): Promise<GroupView> {
    return this.call("PATCH", `/groups/${encodeURIComponent(id)}`, change);
  }

  /** Admins only; "Everyone" cannot be deleted. */
  deleteGroup(id: GroupId): Promise<void> {
    return this.call("DELETE", `/groups/${encodeURIComponent(id)}`);
  }

  /** Admins only: which groups an operator belongs to, "Everyone" aside. */
  setMembership(operator: OperatorId, groups: GroupId[]): Promise<OperatorView> {
    return this.call("PUT", `/operators/${encodeURIComponent(operator)}/groups`, { groups });
  }

  /** Admins only: my workspace's sites. */
  sites(): Promise<SiteList> {
    return this.call("GET", "/sites");
  }

  /** Admins only: a site's widget settings and allowed origins. */
  updateSite(key: string, update: SiteUpdate): Promise<SiteView> {
    return this.call("PUT", `/sites/${encodeURIComponent(key)}`, update);
  }

  /** A page of the sidebar's list, the first without `cursor`, the next with its `next_cursor`. */
  dialogs(status: DialogStatus, cursor?: string): Promise<DialogPage> {
    return this.call("GET", `/dialogs?status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
  }

  history(dialogId: string, cursor: { before?: number; after?: number } = {}): Promise<HistoryPage> {
    const q = new URLSearchParams({ limit: "50" });
    if (cursor.before !== undefined) q.set("before", String(cursor.before));
    if (cursor.after !== undefined) q.set("after", String(cursor.after));
    return this.call("GET", `/dialogs/${encodeURIComponent(dialogId)}/messages?${q}`);
  }

  /** The card of the dialog's visitor: name, email, source, the page open now. */
  visitorCard(dialogId: string): Promise<VisitorCard> {
    return this.call("GET", `/dialogs/${encodeURIComponent(dialogId)}/visitor`);
  }

  /** Dialogs (open and closed) by visitor name, email, phone or message words; `signal` cancels it. */
  search(query: string, signal?: AbortSignal): Promise<SearchResults> {
    return this.call("GET", `/search?q=${encodeURIComponent(query)}`, undefined, signal);
  }

  quickReplies(): Promise<QuickReplyList> {
    return this.call("GET", "/quick-replies");
  }

  addQuickReply(title: string, text: string): Promise<QuickReplyView> {
    return this.call("POST", "/quick-replies", { title, text });
  }

  deleteQuickReply(id: string): Promise<void> {
    return this.call("DELETE", `/quick-replies/${encodeURIComponent(id)}`);
  }

  /** Short-lived links to the files of one message. */
  messageAttachments(dialogId: string, seq: number): Promise<MessageAttachments> {
    return this.call("GET", `/dialogs/${encodeURIComponent(dialogId)}/messages/${seq}/attachments`);
  }

  /** Every file of a dialog, newest first, with links and a token to send it again. */
  dialogAttachments(dialogId: string): Promise<DialogAttachments> {
    return this.call("GET", `/dialogs/${encodeURIComponent(dialogId)}/attachments`);
  }

  attachmentLimits(): Promise<AttachmentLimits> {
    return this.call("GET", "/attachments/limits");
  }

  /** Admins only. */
  setAttachmentLimits(limits: AttachmentLimits): Promise<AttachmentLimits> {
    return this.call("PUT", "/attachments/limits", limits);
  }

  /** The server's Web Push key, my choices and my subscribed browsers. */
  pushSettings(): Promise<PushSettings> {
    return this.call("GET", "/push");
  }

  /** This browser's `PushSubscription.toJSON()`. */
  subscribePush(subscription: PushSubscriptionJSON): Promise<PushSettings> {
    return this.call("POST", "/push/subscriptions", subscription);
  }

  unsubscribePush(endpoint: string): Promise<void> {
    return this.call("DELETE", `/push/subscriptions?endpoint=${encodeURIComponent(endpoint)}`);
  }

  setPushChoices(choices: PushChoices): Promise<PushSettings> {
    return this.call("PUT", "/push/choices", choices);
  }
}
