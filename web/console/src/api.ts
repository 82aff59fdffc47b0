// The HTTP API as the console calls it (docs/protocol.md, "HTTP API").

import type {
  AttachmentLimits,
  ChannelList,
  ChatHandling,
  ContactCard,
  ContactEdit,
  ContactTags,
  TagEdit,
  TagList,
  TagView,
  ContactMatches,
  ContactExport,
  ErasedContact,
  Unpinned,
  DeletedDialogs,
  DialogAttachments,
  DialogPage,
  DialogStatus,
  GroupChange,
  GroupId,
  GroupList,
  GroupView,
  HistoryPage,
  LiveBoard,
  LoggedIn,
  MessageAttachments,
  OperatorCard,
  OperatorId,
  OperatorList,
  OperatorStatus,
  OperatorView,
  PushChoices,
  PushSettings,
  QuickReplyList,
  QuickReplyView,
  Report,
  Role,
  SearchResults,
  SiteList,
  SiteUpdate,
  SiteView,
  TicketView,
  VisitorCard,
  WorkspaceChoice,
  WorkspaceId,
} from "../../protocol/protocol";
import type { Endpoints } from "../../common/config";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** `rate_limited`: the seconds to wait before trying again. */
    readonly retryAfter?: number,
    /** `choose_workspace`: where the email and password sign in. */
    readonly workspaces: WorkspaceChoice[] = [],
  ) {
    super(message);
  }
}

export class Api {
  token: string | null = null;
  /** Told when the server refuses the session this console holds (401 to a request that carried it). */
  onSessionEnded: ((reason: string) => void) | null = null;
  /** While a password change swaps the session for a new one: asking for a ticket waits for it. */
  renewal: Promise<unknown> | null = null;

  constructor(readonly endpoints: Endpoints) {}

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.endpoints.http}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const error = new ApiError(res.status, json?.error?.code ?? "internal", json?.error?.message ?? res.statusText, json?.error?.retry_after, json?.error?.workspaces ?? []);
      // Only the session still held: one a password change just replaced is not "ended".
      if (res.status === 401 && token && token === this.token && !this.renewal) this.onSessionEnded?.(error.message);
      throw error;
    }
    return json as T;
  }

  /** `workspace` when the email and password are an operator's in several (`choose_workspace`). */
  login(email: string, password: string, workspace?: WorkspaceId): Promise<LoggedIn> {
    return this.call("POST", "/login", workspace ? { email, password, workspace } : { email, password });
  }

  /** My display name. */
  rename(name: string): Promise<OperatorView> {
    return this.call("PATCH", "/me", { name });
  }

  /** Every session of mine ends; the answer is a new one for this console. */
  changePassword(current_password: string, new_password: string): Promise<LoggedIn> {
    return this.call("POST", "/me/password", { current_password, new_password });
  }

  /** This session ends on the server. */
  signOut(): Promise<void> {
    return this.call("POST", "/me/sign-out");
  }

  /** Every session of mine ends on the server, this one too. */
  signOutEverywhere(): Promise<void> {
    return this.call("POST", "/me/sign-out-everywhere");
  }

  /** Admins only. */
  deactivate(id: OperatorId): Promise<OperatorView> {
    return this.call("POST", `/operators/${encodeURIComponent(id)}/deactivate`);
  }

  /** Admins only. */
  reactivate(id: OperatorId): Promise<OperatorView> {
    return this.call("POST", `/operators/${encodeURIComponent(id)}/reactivate`);
  }

  /** Admins only. */
  setRole(id: OperatorId, role: Role): Promise<OperatorView> {
    return this.call("PUT", `/operators/${encodeURIComponent(id)}/role`, { role });
  }

  /** Admins only: another operator's new password; their sessions end. */
  resetPassword(id: OperatorId, password: string): Promise<OperatorView> {
    return this.call("PUT", `/operators/${encodeURIComponent(id)}/password`, { password });
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

  /** A period's report (`view_reports`). */
  report(from: string, to: string): Promise<Report> {
    return this.call("GET", `/reports?${new URLSearchParams({ from, to })}`);
  }

  /** The same report as CSV text, for a download. */
  async reportCsv(from: string, to: string): Promise<string> {
    const res = await fetch(`${this.endpoints.http}/reports.csv?${new URLSearchParams({ from, to })}`, {
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
    });
    if (!res.ok) throw new ApiError(res.status, "internal", res.statusText);
    return res.text();
  }

  liveBoard(): Promise<LiveBoard> {
    return this.call("GET", "/reports/live");
  }

  operatorCard(id: OperatorId): Promise<OperatorCard> {
    return this.call("GET", `/reports/operators/${encodeURIComponent(id)}/today`);
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
  /** Deletes dialogs with everything in them (the right `delete_dialogs`); at most 100 at once. */
  deleteDialogs(ids: readonly string[]): Promise<DeletedDialogs> {
    return this.call("POST", "/dialogs/delete", { dialog_ids: ids });
  }

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

  /** A contact's card: the contact, their dialogs I may see, the channels they used. */
  contactCard(contactId: string): Promise<ContactCard> {
    return this.call("GET", `/contacts/${encodeURIComponent(contactId)}`);
  }

  /** Edits a contact; answers the card as stored. */
  editContact(contactId: string, edit: ContactEdit): Promise<ContactCard> {
    return this.call("PUT", `/contacts/${encodeURIComponent(contactId)}`, edit);
  }

  /** Unpins a dialog from a contact: it moves to a new contact of its own; answers it as it is now. */
  unpinDialog(contactId: string, dialogId: string): Promise<Unpinned> {
    return this.call("DELETE", `/contacts/${encodeURIComponent(contactId)}/dialogs/${encodeURIComponent(dialogId)}`);
  }

  /** Contacts whose name has words starting with each word of `q`, or that hold the e-mail or phone `q` is. */
  findContacts(q: string): Promise<ContactMatches> {
    return this.call("GET", `/contacts?q=${encodeURIComponent(q)}`);
  }

  /** Pulls `fromId` into `intoId` ("Unite"); answers the united contact's card. */
  mergeContacts(intoId: string, fromId: string): Promise<ContactCard> {
    return this.call("POST", `/contacts/${encodeURIComponent(intoId)}/merge`, { contact_id: fromId });
  }

  /** Blocks a contact (no messages either way), or lifts the block; answers the card as stored. */
  blockContact(contactId: string, blocked: boolean): Promise<ContactCard> {
    return this.call(blocked ? "POST" : "DELETE", `/contacts/${encodeURIComponent(contactId)}/block`);
  }

  /** Exports everything kept about a contact (the right `delete_dialogs`): a link to one ZIP, for an hour. */
  exportContact(contactId: string): Promise<ContactExport> {
    return this.call("POST", `/contacts/${encodeURIComponent(contactId)}/export`);
  }

  /** Erases a contact entirely (the right `delete_dialogs`): their dialogs, visitors, keys and merged contacts. */
  eraseContact(contactId: string): Promise<ErasedContact> {
    return this.call("DELETE", `/contacts/${encodeURIComponent(contactId)}`);
  }

  /** Sets a contact's tags, each pinned or not; answers the card as stored. */
  setContactTags(contactId: string, tags: ContactTags): Promise<ContactCard> {
    return this.call("PUT", `/contacts/${encodeURIComponent(contactId)}/tags`, tags);
  }

  /** The workspace's tags with their counts of dialogs, the most used first. */
  tags(): Promise<TagList> {
    return this.call("GET", "/tags");
  }

  createTag(edit: TagEdit): Promise<TagView> {
    return this.call("POST", "/tags", edit);
  }

  updateTag(id: string, edit: TagEdit): Promise<TagView> {
    return this.call("PUT", `/tags/${encodeURIComponent(id)}`, edit);
  }

  deleteTag(id: string): Promise<void> {
    return this.call("DELETE", `/tags/${encodeURIComponent(id)}`);
  }

  /** The workspace's channels (a site's widget each), for the sidebar's channel names. */
  channels(): Promise<ChannelList> {
    return this.call("GET", "/channels");
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

  /** The workspace's chat handling settings: reply-time limit, distribution, hold, hand-back. */
  chatHandling(): Promise<ChatHandling> {
    return this.call("GET", "/workspace/handling");
  }

  /** Those who may manage settings; every console hears `workspace.handling`. */
  setChatHandling(handling: ChatHandling): Promise<ChatHandling> {
    return this.call("PUT", "/workspace/handling", handling);
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
