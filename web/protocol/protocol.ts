// generated from the Rust types by `cargo test -p parlor-core --test typescript`; do not edit.
// To regenerate after changing them: PARLOR_UPDATE_TS=1 cargo test -p parlor-core --test typescript

/** Sent as `v` in the WebSocket URL (`?v=1`); the server refuses versions it does not speak. */
export const PROTOCOL_VERSION = 1;

/** Types shown inline, with a preview; any other type is a file. */
export const IMAGE_TYPES: readonly string[] = ["image/jpeg","image/png","image/gif","image/webp"];
/** Extensions of files that run when opened: refused whatever their type. */
export const BLOCKED_EXTENSIONS: readonly string[] = ["exe","msi","bat","cmd","com","scr","pif","cpl","vbs","vbe","js","jse","wsf","wsh","ps1","psm1","jar","dll","hta","lnk","reg","app","sh","apk","dmg","html","htm","shtml","xhtml","xht","svg","svgz","xml","xsl","mhtml","mht"];
/** Types a browser would run or render as a page: refused. */
export const BLOCKED_TYPES: readonly string[] = ["text/html","application/xhtml+xml","image/svg+xml","text/javascript","application/javascript","application/x-msdownload","application/x-msdos-program","application/x-sh","application/java-archive","application/vnd.android.package-archive"];
/** At most this many files go with one message. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;
/** At most this many characters in a message, counted as the server counts them: code points, not UTF-16 units. */
export const MAX_TEXT_CHARS = 2000;
/** The longest period one report covers, in days (both ends included). */
export const MAX_REPORT_DAYS = 366;
/** The longest greeting a site's widget may show. */
export const MAX_GREETING_CHARS = 500;
/** The most origins one site may list. */
export const MAX_ALLOWED_ORIGINS = 20;
/** The schemes an allowed origin may have, in this order, each with the port it means when none is given. */
export const ORIGIN_SCHEMES: Readonly<Record<string, number>> = { "http": 80, "https": 443 };
/** The shortest password an operator may have, not counting spaces. */
export const MIN_PASSWORD_CHARS = 8;
/** The longest password an operator may have. */
export const MAX_PASSWORD_CHARS = 128;
/** The longest email address an operator may have. */
export const MAX_EMAIL_CHARS = 254;
/** The longest search query the server takes (`GET /api/search` answers 400 over it). */
export const MAX_QUERY_CHARS = 200;
/** A query finds nothing without a word of at least this many letters or digits. */
export const MIN_TERM_CHARS = 2;
/** The largest size limit, in bytes, an admin may set for images or for other files. */
export const MAX_LIMIT_BYTES = 104857600;
/** The longest name a group of operators may have. */
export const MAX_GROUP_NAME_CHARS = 60;
/** Every right a group may carry, in the order the console lists them. */
export const RIGHTS: readonly Right[] = ["see_colleagues_dialogs","reassign_dialogs","delete_dialogs","view_reports","manage_settings"];
/** Refusals that sending the same request again (same ids) may cure; any other comes back the same. */
export const RETRYABLE_ERROR_CODES: readonly ErrorCode[] = ["conflict","rate_limited","internal"];

/**
 * The `assign` route: connect to a dialog, disconnect, transfer, put on hold and resume.
 */
export type AssignOp = { "op": "join", dialog_id: DialogId, } | { "op": "leave", dialog_id: DialogId, } | { "op": "transfer", dialog_id: DialogId, to: OperatorId, comment?: string, } | { "op": "hold", dialog_id: DialogId, } | { "op": "resume", dialog_id: DialogId, };

/**
 * One file of a message, as stored and as clients see it. Where it lives follows from the
 * workspace and `id` (see `object_key`); how to fetch it is asked for separately, after a check.
 */
export type Attachment = { id: AttachmentId, 
/**
 * The file's name as the sender had it, without any folder.
 */
name: string, content_type: string, size: number, kind: AttachmentKind, 
/**
 * An image's size in pixels.
 */
width?: number, height?: number, 
/**
 * Whether a preview (at most `PREVIEW_PIXELS` a side, JPEG) is stored beside the original.
 */
preview: boolean, 
/**
 * Whether the file as checked is kept apart from its upload (`sealed_key`), where its upload
 * grant cannot reach: it can no longer change. Files sent before sealing existed are not.
 */
sealed?: boolean, };

/**
 * A file sent with a message; with the workspace it names the stored object.
 */
export type AttachmentId = string;

/**
 * How a file is shown: an image inline with a preview, anything else as a file to download.
 */
export type AttachmentKind = "image" | "file";

/**
 * How large a file may be, by kind: per workspace, set by its admins.
 */
export type AttachmentLimits = { image_max_bytes: number, file_max_bytes: number, };

/**
 * Short-lived links to one stored attachment, issued after an access check.
 */
export type AttachmentLinks = { id: AttachmentId, 
/**
 * The file itself: images open in the browser, other files download under their name.
 */
url: string, 
/**
 * The preview of an image.
 */
preview_url?: string, expires_at: number, };

/**
 * What a channel is: for now the web widget; messengers come later.
 */
export type ChannelKind = "web";

/**
 * `GET /api/channels`: the workspace's channels, for the sidebar's channel names.
 */
export type ChannelList = { channels: Array<ChannelView>, };

/**
 * A channel a contact wrote through: the web widget of one site.
 */
export type ChannelView = { site: SiteKey, kind: ChannelKind, 
/**
 * The site's name.
 */
name: string, 
/**
 * The channel of the contact's latest activity.
 */
active: boolean, };

/**
 * A workspace's settings for handling dialogs; workspaces stored before they existed get the
 * defaults.
 */
export type ChatHandling = { 
/**
 * The reply-time limit in seconds ("Time limits", seed 002): how long a visitor's first
 * unanswered message may wait. Absent: no limit, and no processing order.
 */
reply_time_limit_secs?: number, 
/**
 * New dialogs are assigned automatically to an available operator with room (off: they ring
 * for every available operator, who take them by joining).
 */
distribution: boolean, 
/**
 * How many active dialogs (open, in their charge) distribution gives one operator at most.
 */
max_active_chats: number, 
/**
 * Whether a dialog on hold counts against `max_active_chats`.
 */
held_counts_against_limit: boolean, 
/**
 * Seconds an operator may be without a connected console before their dialogs are handed
 * back ("Anna left: offline"), so the visitor's next message rings again.
 */
hand_back_after_secs: number, 
/**
 * Retention: a dialog closed while this is set is deleted, with its messages, files and
 * search entries, this many days after it closed (unless it reopens first). Absent: closed
 * dialogs are kept. A change applies to dialogs closed after it.
 */
delete_closed_after_days?: number, };

/**
 * An e-mail or phone a visitor typed that another contact holds: unverified, so only recorded.
 */
export type Claim = { 
/**
 * The key as the store holds it (`ContactKey::as_string`): `email:…` or `phone:…`.
 */
key: string, 
/**
 * As the visitor wrote it.
 */
value: string, 
/**
 * The contact that holds the key.
 */
owner: ContactId, };

/**
 * API Gateway selects the route (and so the function) by `action`.
 */
export type ClientAction = { "action": "message" } & MessageOp | { "action": "assign" } & AssignOp | { "action": "close" } & CloseOp;

/**
 * One frame from a client. `request_id` is echoed by the `ack` or `error` that answers it.
 */
export type ClientFrame = { request_id: string, } & ({ "action": "message" } & MessageOp | { "action": "assign" } & AssignOp | { "action": "close" } & CloseOp);

/**
 * Generated by the client for every message and command, so that a retried frame never duplicates.
 */
export type ClientMessageId = string;

/**
 * The `close` route.
 */
export type CloseOp = { "op": "close", dialog_id: DialogId, } | { "op": "reopen", dialog_id: DialogId, };

/**
 * A block on a contact: the operator who set it, and when.
 */
export type ContactBlock = { by: OperatorId, at: number, };

/**
 * `GET /api/contacts/{id}`: the contact, the dialogs of theirs the caller may see (newest
 * first) and the channels those came through, the one of the latest activity marked active.
 */
export type ContactCard = { contact: ContactView, dialogs: Array<DialogView>, channels: Array<ChannelView>, 
/**
 * The workspace's custom fields, in the order an admin set them.
 */
fields: Array<FieldDefinition>, 
/**
 * Merges offered by themselves: contacts that hold an e-mail or phone a visitor of this one
 * gave (its `claims`), as they are now.
 */
offers: Array<MergeOffer>, };

/**
 * `PUT /api/contacts/{id}`: what changes; an absent field stays as it is, an empty one is
 * cleared.
 */
export type ContactEdit = { name?: string, email?: string, phone?: string, notes?: string, 
/**
 * Values by field key; these replace every custom field value.
 */
fields?: { [key in string]: string }, };

/**
 * `POST /api/contacts/{id}/export`: where the ZIP is, for `EXPORT_LINK_TTL_SECS`.
 */
export type ContactExport = { 
/**
 * A link that downloads the ZIP until `expires_at`.
 */
url: string, 
/**
 * The ZIP's name in that link.
 */
file_name: string, 
/**
 * The ZIP's size in bytes.
 */
size: number, expires_at: number, 
/**
 * How many dialogs and files it holds.
 */
dialogs: number, files: number, };

/**
 * `GET` and `PUT /api/contact-fields`.
 */
export type ContactFields = { fields: Array<FieldDefinition>, };

/**
 * A contact: the person behind visitors (browser identities) and their dialogs.
 */
export type ContactId = string;

/**
 * `GET /api/contacts?q=`: contacts whose name has words starting with every word of the query,
 * or the contact holding the e-mail or phone the query is.
 */
export type ContactMatches = { contacts: Array<ContactView>, };

/**
 * A tag on a contact (and, copied, on each of its dialogs); a pinned one shows under the
 * contact's name in the dialog list.
 */
export type ContactTag = { tag: TagId, pinned: boolean, };

/**
 * `PUT /api/contacts/{id}/tags`: every tag the contact is to carry, each possibly pinned, in
 * the order the card shows them.
 */
export type ContactTags = { tags: Array<ContactTag>, };

/**
 * A contact as operators see it.
 */
export type ContactView = { id: ContactId, 
/**
 * The name given, else "Visitor" and the id's last four characters.
 */
name: string, 
/**
 * Whether a name was given (else `name` is the made-up one).
 */
named: boolean, 
/**
 * The contact's own e-mail: no other contact of the workspace has it.
 */
email?: string, phone?: string, 
/**
 * E-mails and phones of contacts merged into this one, beside its own: keys of it too
 * (absent when none).
 */
other_emails?: Array<string>, other_phones?: Array<string>, notes: string, 
/**
 * Custom field values by key (`GET /api/contact-fields`).
 */
fields: { [key in string]: string }, 
/**
 * Site user ids the sites vouched for (identity verification).
 */
verified: Array<SiteUser>, 
/**
 * E-mails and phones a visitor of this contact gave that another contact holds: never
 * attached, kept so that a merge can be offered.
 */
claims: Array<Claim>, 
/**
 * Who blocked the contact and when (`POST /api/contacts/{id}/block`): no message goes to
 * or from them; absent when they are not blocked.
 */
blocked?: ContactBlock, 
/**
 * The workspace's tags on the contact (`PUT /api/contacts/{id}/tags`), pinned ones showing
 * under the name in the dialog list. An id that `GET /api/tags` does not list (a deleted
 * tag) is to be ignored.
 */
tags?: Array<ContactTag>, created_at: number, version: number, };

export type DayFigures = { day: string, 
/**
 * Time with presence online (status Online and a console connected).
 */
online_ms: number, away_ms: number, offline_ms: number, 
/**
 * Time with status Online but no console connected.
 */
no_console_ms: number, 
/**
 * Dialogs closed while this operator was in charge (or closed by them when nobody was).
 */
closed: number, 
/**
 * Summed over `closed`: from the dialog's start (or its last reopening) to its close.
 */
resolution_ms: number, 
/**
 * First replies: an operator's first reply since the dialog started or reopened, to a
 * visitor who wrote first.
 */
first_responses: number, 
/**
 * Summed over `first_responses`: from the visitor's first message to that reply.
 */
first_response_ms: number, 
/**
 * Replies to a waiting visitor.
 */
replies: number, 
/**
 * Summed over `replies`: from the visitor's first unanswered message to the reply.
 */
reply_ms: number, 
/**
 * Replies later than the workspace's reply-time limit, and dialogs closed with the visitor
 * unanswered.
 */
missed: number, 
/**
 * Dialogs that waited in the queue (automatic distribution, everyone full), counted when the
 * queue gave them to this operator.
 */
queued: number, 
/**
 * Summed over `queued`: how long each waited in the queue.
 */
queue_ms: number, };

/**
 * The dialogs a delete removed: those named that existed in the caller's workspace.
 */
export type DeletedDialogs = { deleted: Array<DialogId>, };

/**
 * queued → delivered → read, or failed with a reason (seed 002).
 */
export type DeliveryStatus = { "status": "queued" } | { "status": "delivered" } | { "status": "read" } | { "status": "failed", reason: string, };

/**
 * One attachment of a dialog, for the "Show attachments" panel: where it was sent, the links,
 * and a token to send it again.
 */
export type DialogAttachment = { attachment: Attachment, 
/**
 * The message that carried it (the newest, when it was sent more than once).
 */
seq: number, kind: MessageKind, author_name?: string, sent_at: number, links: AttachmentLinks, 
/**
 * Put it in a message's `uploads` to send the file again.
 */
resend: string, };

/**
 * A dialog's attachments, newest first.
 */
export type DialogAttachments = { attachments: Array<DialogAttachment>, };

export type DialogId = string;

export type DialogPage = { dialogs: Array<DialogView>, next_cursor?: string, 
/**
 * Dialogs in this page with something unread for me: the header's count.
 */
unread_dialogs: number, };

export type DialogStatus = "open" | "closed";

/**
 * A dialog as operators see it in the sidebar.
 */
export type DialogView = { id: DialogId, site: SiteKey, visitor_id: VisitorId, 
/**
 * The contact's name (`ContactView::name`), kept in step when the contact is edited.
 */
visitor_name: string, 
/**
 * The contact the dialog belongs to (`GET /api/contacts/{id}`); absent for dialogs from
 * before contacts.
 */
contact_id?: ContactId, status: DialogStatus, 
/**
 * The operator in charge, shown under the visitor's name.
 */
assignee?: Participant, 
/**
 * Operators connected now; empty and `needs_answer` means green.
 */
participants: Array<Participant>, needs_answer: boolean, 
/**
 * Oldest unanswered visitor message: sort by it for processing order.
 */
waiting_since?: number, last_activity: number, last_message?: LastMessage, 
/**
 * The newest message's `seq`.
 */
seq: number, 
/**
 * How many messages the visitor has written; less what I read, that is my unread count.
 */
visitor_messages: number, created_at: number, closed_at?: number, 
/**
 * Waiting in the queue for an operator with room, since then.
 */
queued_since?: number, 
/**
 * On hold, since then.
 */
held_since?: number, 
/**
 * The caller's unread count, in lists fetched over HTTP.
 */
unread?: number, 
/**
 * The contact is blocked: the composer shows a warning instead (`contact_blocked`).
 */
blocked?: boolean, 
/**
 * The contact's tags, as the dialog carries them (`Dialog::tags`): the list shows the pinned
 * ones under the name and filters by them. An id that `GET /api/tags` does not list (a
 * deleted tag) is to be ignored.
 */
tags?: Array<ContactTag>, };

/**
 * `DELETE /api/contacts/{id}`: what an erase deleted.
 */
export type ErasedContact = { contact_id: ContactId, 
/**
 * The contacts merged into it, erased with it.
 */
merged: Array<ContactId>, 
/**
 * Its dialogs this erase deleted (one cut short earlier may have deleted others).
 */
dialogs: Array<DialogId>, };

/**
 * The stable, machine-readable form of an error code.
 */
export type ErrorCode = "malformed_frame" | "unknown_action" | "invalid_request" | "invalid_email" | "invalid_phone" | "text_too_long" | "empty_text" | "dialog_not_found" | "operator_not_found" | "group_not_found" | "forbidden" | "not_connected" | "already_closed" | "already_open" | "already_in_charge" | "conflict" | "unauthorized" | "attachment_too_large" | "attachment_type_not_allowed" | "attachment_invalid" | "too_many_attachments" | "whisper_attachment" | "upload_already_used" | "attachments_unavailable" | "push_unavailable" | "rate_limited" | "last_admin" | "operator_deactivated" | "wrong_password" | "already_on_hold" | "not_on_hold" | "too_many_dialogs" | "contact_not_found" | "contact_key_taken" | "identity_refused" | "contact_blocked" | "tag_not_found" | "tag_name_taken" | "too_many_tags" | "choose_workspace" | "export_too_large" | "internal";

/**
 * A field an admin defines for every contact of the workspace.
 */
export type FieldDefinition = { 
/**
 * `a-z`, `0-9` and `_`, starting with a letter, at most `MAX_FIELD_KEY_CHARS`: how values are
 * stored and sent.
 */
key: string, 
/**
 * What operators read beside the value.
 */
label: string, };

/**
 * One operator's counters for one day (or their sums over a period or a team). Times are in
 * milliseconds; an average is its sum over its count (`Figures::average`).
 */
export type Figures = { 
/**
 * Time with presence online (status Online and a console connected).
 */
online_ms: number, away_ms: number, offline_ms: number, 
/**
 * Time with status Online but no console connected.
 */
no_console_ms: number, 
/**
 * Dialogs closed while this operator was in charge (or closed by them when nobody was).
 */
closed: number, 
/**
 * Summed over `closed`: from the dialog's start (or its last reopening) to its close.
 */
resolution_ms: number, 
/**
 * First replies: an operator's first reply since the dialog started or reopened, to a
 * visitor who wrote first.
 */
first_responses: number, 
/**
 * Summed over `first_responses`: from the visitor's first message to that reply.
 */
first_response_ms: number, 
/**
 * Replies to a waiting visitor.
 */
replies: number, 
/**
 * Summed over `replies`: from the visitor's first unanswered message to the reply.
 */
reply_ms: number, 
/**
 * Replies later than the workspace's reply-time limit, and dialogs closed with the visitor
 * unanswered.
 */
missed: number, 
/**
 * Dialogs that waited in the queue (automatic distribution, everyone full), counted when the
 * queue gave them to this operator.
 */
queued: number, 
/**
 * Summed over `queued`: how long each waited in the queue.
 */
queue_ms: number, };

/**
 * A file a client wants to send, as it describes it before uploading.
 */
export type FileDescription = { name: string, size: number, 
/**
 * The browser's `File.type`; may be empty.
 */
content_type: string, };

/**
 * A new group, or what changes of one: a name and rights.
 */
export type GroupChange = { name?: string, rights?: Array<Right>, };

/**
 * A group of operators, which carries rights.
 */
export type GroupId = string;

/**
 * `GET /api/groups`: "Everyone" first, then by creation.
 */
export type GroupList = { groups: Array<GroupView>, };

/**
 * A group of operators, as admins manage it (`GET /api/groups`).
 */
export type GroupView = { id: GroupId, name: string, rights: Array<Right>, 
/**
 * The built-in group every operator belongs to: its name and membership are fixed.
 */
everyone: boolean, members: Array<OperatorId>, };

/**
 * `GET /api/health`.
 */
export type Health = { ok: boolean, };

/**
 * A page of history. `next_before` continues upward (older) and `next_after` onward (newer); each
 * is absent once that end is reached. Pages may hold fewer messages than asked for when some are
 * not the caller's to see (a visitor never gets whispers): follow the cursor, not the count.
 */
export type HistoryPage = { messages: Array<MessageView>, next_before?: number, next_after?: number, 
/**
 * The dialog's newest `seq`, to catch up from after a reconnect.
 */
latest_seq: number, 
/**
 * The dialog's contact is blocked: no message goes either way (`contact_blocked`); the
 * widget says so instead of its composer.
 */
blocked?: boolean, };

/**
 * `GET` and `POST /api/sites/{key}/identity-secret`: the key the site's backend signs user ids
 * with; absent until made.
 */
export type IdentitySecret = { site: SiteKey, secret?: string, };

/**
 * The last message, as the sidebar shows it.
 */
export type LastMessage = { seq: number, kind: MessageKind, 
/**
 * At most 140 characters of the text.
 */
text: string, at: number, };

/**
 * `GET /api/reports/live`: the workspace right now.
 */
export type LiveBoard = { 
/**
 * Open dialogs.
 */
open: number, 
/**
 * Open dialogs whose visitor waits for an operator (`needs_answer`).
 */
waiting: number, 
/**
 * Open dialogs in the queue for an operator with room (`queued_since`).
 */
queued: number, 
/**
 * Every active operator, with their open dialogs in charge.
 */
operators: Array<LiveOperator>, };

export type LiveOperator = { id: OperatorId, name: string, status: OperatorStatus, 
/**
 * What colleagues see: their status, and whether a console of theirs is connected.
 */
presence: Presence, 
/**
 * Open dialogs in their charge.
 */
load: number, 
/**
 * Whether new dialogs may go to them: online with a console connected.
 */
available: boolean, };

export type LoggedIn = { token: string, expires_at: number, operator: OperatorView, };

/**
 * Which groups an operator belongs to, "Everyone" aside.
 */
export type Membership = { groups: Array<GroupId>, };

/**
 * A merge the card offers by itself: another contact holds an e-mail or phone a visitor of this
 * one gave, or a visitor of another contact gave one this one holds.
 */
export type MergeOffer = { 
/**
 * The other contact.
 */
contact: ContactView, 
/**
 * The one of the two that holds the e-mail or phone: the left side of the offered merge,
 * which the other is pulled into.
 */
into_id: ContactId, 
/**
 * `email` or `phone`.
 */
field: string, 
/**
 * As the visitor wrote it.
 */
value: string, };

/**
 * `POST /api/contacts/{id}/merge`: the contact to pull into `{id}` (the one on the right).
 */
export type MergeRequest = { contact_id: ContactId, };

/**
 * Links to the files of one message.
 */
export type MessageAttachments = { attachments: Array<AttachmentLinks>, };

/**
 * The server id of a stored message; its order in the dialog is its `seq`.
 */
export type MessageId = string;

export type MessageKind = "visitor" | "operator" | "whisper" | "system";

/**
 * The `message` route: text, whispers, typing and read state.
 */
export type MessageOp = { "op": "send", dialog_id?: DialogId, client_id: ClientMessageId, 
/**
 * May be left out (or empty) when `uploads` are given.
 */
text?: string, reply_to?: number, 
/**
 * Files to send with it: the `upload` tokens of `POST /api/uploads` grants (after the
 * upload), or of the attachments list, to send one again. At most 10.
 */
uploads?: Array<string>, } | { "op": "whisper", dialog_id: DialogId, client_id: ClientMessageId, text: string, reply_to?: number, uploads?: Array<string>, } | { "op": "typing", dialog_id?: DialogId, typing: boolean, } | { "op": "read", dialog_id?: DialogId, up_to: number, } | { "op": "mark_unread", dialog_id: DialogId, } | { "op": "ping", };

/**
 * A message as clients see it: with its delivery status where it has one.
 */
export type MessageView = { id: MessageId, dialog_id: DialogId, seq: number, client_id: ClientMessageId, kind: MessageKind, 
/**
 * The visitor's or operator's id; absent on system messages.
 */
author_id?: string, author_name?: string, 
/**
 * Plain text, rendered as text by every client; for system messages, the event in words.
 */
text: string, event?: SystemEvent, 
/**
 * The `seq` of the message this one quotes.
 */
reply_to?: number, 
/**
 * Files and images sent with it; the text may then be empty.
 */
attachments?: Array<Attachment>, created_at: number, status?: DeliveryStatus, };

/**
 * A browser's subscription, as `PushSubscription.toJSON()` gives it.
 */
export type NewPushSubscription = { endpoint: string, keys: PushKeys, };

export type NewQuickReply = { title: string, text: string, };

/**
 * `GET /api/reports/operators/{id}/today`: what an operator's card shows.
 */
export type OperatorCard = { operator: OperatorView, 
/**
 * Open dialogs in their charge.
 */
load: number, 
/**
 * Today's figures (UTC): for one's own card, or with the right to view reports; else absent.
 */
today?: Figures, };

export type OperatorId = string;

/**
 * `GET /api/operators`: the workspace's operators.
 */
export type OperatorList = { operators: Array<OperatorView>, };

export type OperatorReport = { id: OperatorId, name: string, days: Array<DayFigures>, total: Figures, };

/**
 * New dialogs ring only for operators who are online (seed 001).
 */
export type OperatorStatus = "online" | "away" | "offline";

/**
 * An operator as other operators see them: never the password hash.
 */
export type OperatorView = { id: OperatorId, name: string, email: string, role: Role, status: OperatorStatus, 
/**
 * The groups they belong to besides "Everyone".
 */
groups: Array<GroupId>, 
/**
 * Every right they hold (an admin: all), so consoles offer only what they may do.
 */
rights: Array<Right>, 
/**
 * A deactivated operator cannot sign in; no dialog can be transferred to them.
 */
active: boolean, 
/**
 * What colleagues see: their status, and whether a console of theirs is connected. Given by
 * `GET /api/operators` and `POST /api/me/status`; absent in `operator.updated`,
 * where the last `operator.status` still holds.
 */
presence?: Presence, };

/**
 * An operator connected to a dialog, with the name shown under the visitor's.
 */
export type Participant = { id: OperatorId, name: string, };

/**
 * What colleagues see of an operator: the status they chose and whether a console of theirs is
 * connected. Only `Online` is available: rung, given dialogs, offered for transfers.
 */
export type Presence = "online" | "away" | "offline" | "no_console";

/**
 * Which events an operator wants pushed; all of them until they choose.
 */
export type PushChoices = { 
/**
 * A visitor started a dialog.
 */
new_dialogs: boolean, 
/**
 * A dialog was transferred to me.
 */
transfers: boolean, 
/**
 * A visitor wrote in a dialog I am in charge of or connected to.
 */
messages: boolean, };

export type PushKeys = { p256dh: string, auth: string, };

/**
 * What a push carries to the service worker: small, so it fits any push service's limit.
 */
export type PushPayload = { 
/**
 * `dialog.created`, `dialog.transferred` or `message.created`.
 */
kind: string, title: string, 
/**
 * The message's text (or the transfer's comment), cut to `PUSH_BODY_CHARS`.
 */
body: string, 
/**
 * The dialog to open when the notification is clicked.
 */
dialog_id: string, };

/**
 * What the console's settings show: the key to subscribe with (absent when this server sends no
 * pushes), the operator's choices and the browsers they subscribed.
 */
export type PushSettings = { 
/**
 * The VAPID public key, base64url: `applicationServerKey` for `pushManager.subscribe`.
 */
public_key?: string, choices: PushChoices, 
/**
 * The push endpoints of the operator's subscribed browsers.
 */
endpoints: Array<string>, };

/**
 * One of an operator's quick replies.
 */
export type QuickReplyId = string;

export type QuickReplyList = { quick_replies: Array<QuickReplyView>, };

/**
 * A quick reply as its owner sees it.
 */
export type QuickReplyView = { id: QuickReplyId, title: string, 
/**
 * `%name%` becomes the operator's name when inserted.
 */
text: string, created_at: number, };

export type Receipt = "delivered" | "read";

/**
 * `GET /api/reports?from&to`: the period's figures per operator and for the team, per day and in
 * total. Days without any figure are left out of `days`.
 */
export type Report = { 
/**
 * The first day, `YYYY-MM-DD` (UTC).
 */
from: string, 
/**
 * The last day, included.
 */
to: string, 
/**
 * Every operator of the workspace, with figures or not, in the directory's order.
 */
operators: Array<OperatorReport>, 
/**
 * The sums over all operators.
 */
team: ReportFigures, };

/**
 * Figures per day (those that have any) and their total.
 */
export type ReportFigures = { days: Array<DayFigures>, total: Figures, };

/**
 * What a group lets its members do beyond answering the dialogs they may see.
 */
export type Right = "see_colleagues_dialogs" | "reassign_dialogs" | "delete_dialogs" | "view_reports" | "manage_settings";

export type Role = "admin" | "operator";

/**
 * Where a dialog matched a query.
 */
export type SearchField = "name" | "email" | "phone" | "message";

/**
 * A dialog that matched, with where, and the newest message that matched when words did.
 */
export type SearchHit = { dialog: DialogView, found_in: Array<SearchField>, message?: MessageView, };

/**
 * Open and closed dialogs alike, the latest activity first.
 */
export type SearchResults = { hits: Array<SearchHit>, };

/**
 * Everything the server pushes.
 */
export type ServerEvent = { "type": "ack", request_id: string, message?: MessageView, dialog?: DialogView, } | { "type": "error", request_id?: string, code: ErrorCode, message: string, 
/**
 * `rate_limited` only: how many milliseconds to wait before sending the same frame again
 * (same `client_id`); nothing of it was stored.
 */
retry_after_ms?: number, } | { "type": "dialog.created", dialog: DialogView, message: MessageView, ring: boolean, } | { "type": "dialog.updated", dialog: DialogView, ring: boolean, event?: MessageView, } | { "type": "dialog.removed", dialog_id: DialogId, } | { "type": "message.created", message: MessageView, dialog?: DialogView, ring?: boolean, } | { "type": "message.status", dialog_id: DialogId, side: Side, status: Receipt, up_to: number, } | { "type": "typing", dialog_id: DialogId, side: Side, name?: string, typing: boolean, } | { "type": "dialog.read", dialog_id: DialogId, unread: number, marked_unread: boolean, } | { "type": "operator.status", operator_id: OperatorId, status: OperatorStatus, presence: Presence, } | { "type": "operator.updated", operator: OperatorView, } | { "type": "visitor.page", visitor_id: VisitorId, dialog_id?: DialogId, page: VisitedPage, } | { "type": "dialog.deleted", dialog_ids: Array<DialogId>, } | { "type": "workspace.handling", handling: ChatHandling, } | { "type": "queue.position", dialog_id: DialogId, position: number, estimated_wait_secs?: number, } | { "type": "contact.updated", contact: ContactView, } | { "type": "contact.merged", merged_id: ContactId, contact: ContactView, } | { "type": "contact.deleted", contact_id: ContactId, };

/**
 * Which side of the dialog received: the visitor, or the operators.
 */
export type Side = "visitor" | "operators";

/**
 * The public key a widget is embedded with.
 */
export type SiteKey = string;

/**
 * `GET /api/sites`: the admin's workspace's sites.
 */
export type SiteList = { sites: Array<SiteView>, };

/**
 * A site's widget settings; every field has a default, so sites stored before they existed read fine.
 */
export type SiteSettings = { 
/**
 * `#rrggbb`: the bubble and the visitor's own messages.
 */
color: string, position: WidgetPosition, 
/**
 * Shown first in an empty dialog; empty for the widget's own words in the visitor's language.
 */
greeting: string, 
/**
 * Whether the visitor sees the operator's name on replies and in "… is typing".
 */
show_operator_names: boolean, };

/**
 * `PUT /api/sites/{key}`: the widget settings (a missing field takes its default, as it always
 * has), and the allowed origins when given; without them the origins stay as they are, so a
 * client that only knows the settings cannot wipe them.
 */
export type SiteUpdate = { 
/**
 * Origins the widget may run on (`https://shop.example`); an empty list means any.
 */
allowed_origins?: Array<string>, 
/**
 * `#rrggbb`: the bubble and the visitor's own messages.
 */
color: string, position: WidgetPosition, 
/**
 * Shown first in an empty dialog; empty for the widget's own words in the visitor's language.
 */
greeting: string, 
/**
 * Whether the visitor sees the operator's name on replies and in "… is typing".
 */
show_operator_names: boolean, };

/**
 * A site's own user id, verified by an HMAC its backend computed (`identity_hash`).
 */
export type SiteUser = { site: SiteKey, user_id: string, };

/**
 * A site as the widget reads it (`GET /api/sites/{key}`): never its workspace.
 */
export type SiteView = { key: SiteKey, name: string, 
/**
 * Origins the widget may run on; empty means any.
 */
allowed_origins: Array<string>, settings: SiteSettings, };

/**
 * What happened, for system messages; names travel with ids so the timeline reads without lookups.
 */
export type SystemEvent = { "event": "joined", operator: OperatorId, name: string, 
/**
 * The operator had joined since the dialog last opened and left meanwhile: visitors,
 * who are never told of a leave, are not told of this join either.
 */
rejoined?: boolean, 
/**
 * Automatic distribution gave the operator the dialog: it rings for them.
 */
assigned?: boolean, } | { "event": "left", operator: OperatorId, name: string, } | { "event": "transferred", by: OperatorId, by_name: string, from?: OperatorId, from_name?: string, to: OperatorId, to_name: string, 
/**
 * Seen by operators only.
 */
comment?: string, } | { "event": "closed", by?: OperatorId, by_name: string, } | { "event": "reopened", by?: OperatorId, by_name: string, } | { "event": "handed_back", operator: OperatorId, name: string, by: OperatorId, by_name: string, } | { "event": "held", by?: OperatorId, by_name: string, } | { "event": "resumed", by?: OperatorId, by_name: string, held_ms: number, total_held_ms: number, } | { "event": "went_offline", operator: OperatorId, name: string, } | { "event": "queued", };

/**
 * `POST /api/tags` (both fields) and `PUT /api/tags/{id}` (an absent field stays as it is).
 */
export type TagEdit = { name?: string, colour?: string, };

/**
 * A tag an admin defined for the workspace's contacts (seed 002).
 */
export type TagId = string;

/**
 * `GET /api/tags`: the workspace's tags, the most used first (then by name).
 */
export type TagList = { tags: Array<TagView>, };

/**
 * A tag as operators see it, with its count of dialogs.
 */
export type TagView = { id: TagId, name: string, 
/**
 * `#rrggbb`.
 */
colour: string, 
/**
 * How many dialogs carry the tag (their contact has it): kept by the server as tags are
 * set, dialogs start, are deleted or unpinned.
 */
dialogs: number, };

/**
 * `POST /api/tickets`: a one-time ticket for the operator's WebSocket (`?ticket=`), good for
 * seconds.
 */
export type TicketView = { ticket: string, expires_at: number, };

/**
 * `DELETE /api/contacts/{id}/dialogs/{dialog}`: the dialog as it is now, its `contact_id` the
 * new contact's (or, when it was not the contact's, as it was).
 */
export type Unpinned = { dialog: DialogView, };

/**
 * `POST /api/uploads` answers with this: where and how the browser uploads one file, and the
 * token a message then carries to reference it.
 */
export type UploadGrant = { 
/**
 * Goes into the message's `uploads`.
 */
upload: string, 
/**
 * Where to `POST` the form: a presigned S3 POST.
 */
url: string, 
/**
 * The form fields, in this order, before the file itself (the field `file`, always last).
 */
fields: Array<[string, string]>, 
/**
 * The attachment as it will be stored (size, type and kind as the server decided them).
 */
attachment: Attachment, 
/**
 * The upload must start before this; the token stays usable in a message for a day.
 */
expires_at: number, };

/**
 * The page a visitor has open, as the widget reports it on each page view.
 */
export type VisitedPage = { url: string, title?: string, 
/**
 * When the widget reported it (server time).
 */
at: number, };

/**
 * The contact card beside a dialog. `current_page` is the last page the widget reported; live
 * changes come as `visitor.page` events.
 */
export type VisitorCard = { id: VisitorId, site: SiteKey, 
/**
 * What operators call the visitor: the name given, else "Visitor" and the id's end.
 */
name: string, email?: string, phone?: string, 
/**
 * Referrer, landing page and `utm_*` parameters from the visitor's first page.
 */
source: VisitorSource, current_page?: VisitedPage, 
/**
 * When the visitor first started a session: first seen.
 */
created_at: number, };

export type VisitorId = string;

export type VisitorSession = { token: string, expires_at: number, visitor_id: VisitorId, dialog_id?: DialogId, };

export type VisitorSessionRequest = { site_key: SiteKey, 
/**
 * The token the widget kept from an earlier visit: the same visitor comes back.
 */
token?: string, name?: string, email?: string, 
/**
 * Digits, spaces and `+-().`, with at least five digits.
 */
phone?: string, source?: VisitorSource, 
/**
 * The site's own id of its signed-in user, with `user_hash`: the visitor is joined to that
 * user's contact, on every device.
 */
user_id?: string, 
/**
 * HMAC-SHA256 of `user_id` under the site's identity secret, as 64 hex digits, computed by
 * the site's backend.
 */
user_hash?: string, };

/**
 * Where a visitor came from, captured on first contact.
 */
export type VisitorSource = { referrer?: string, landing_page?: string, utm?: { [key in string]: string }, };

/**
 * Which bottom corner the launcher bubble sits in.
 */
export type WidgetPosition = "right" | "left";

/**
 * A workspace to sign in to, when an email and password are an operator's in several
 * (`choose_workspace`).
 */
export type WorkspaceChoice = { id: WorkspaceId, name: string, };

/**
 * A tenant: every stored key carries it.
 */
export type WorkspaceId = string;
