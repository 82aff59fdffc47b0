//! The `assign` and `close` routes (join, leave, transfer, close, reopen) and the reads behind the
//! HTTP API: the dialog list with my unread counts, and history by cursor.

use super::fanout::{self, Listeners};
use std::sync::Arc;

use super::{
    AppError, AppResult, Attachments, Collaborators, Delivery, Done, Notifications, Search, Sites,
    Stores, dialog_for, dialog_view,
};
use crate::domain::{
    Connection, Dialog, DialogStatus, DomainError, HandBack, Message, MessageKind, Millis,
    Operator, ReadMarker, Receipt, Side, SystemEvent, Visitor,
};
use crate::ids::{ConnectionId, DialogId, OperatorId, WorkspaceId};
use crate::ports::{
    Clock, ConnectionStore, ConsoleWatchStore, DialogCursor, DialogStore, DirectoryStore,
    LoadStore, ReadMarkerStore, ReceiptStore,
};
use crate::protocol::{DialogView, MessageView};
use serde::Serialize;

pub const MAX_PAGE: usize = 100;

/// A page of history. `next_before` continues upward (older) and `next_after` onward (newer); each
/// is absent once that end is reached. Pages may hold fewer messages than asked for when some are
/// not the caller's to see (a visitor never gets whispers): follow the cursor, not the count.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct HistoryPage {
    pub messages: Vec<MessageView>,
    #[ts(optional, type = "number")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<u64>,
    #[ts(optional, type = "number")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
    /// The dialog's newest `seq`, to catch up from after a reconnect.
    #[ts(type = "number")]
    pub latest_seq: u64,
    /// The dialog's contact is blocked: no message goes either way (`contact_blocked`); the
    /// widget says so instead of its composer.
    #[ts(as = "Option<bool>", optional)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
}

/// Which way a history request reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryCursor {
    /// Newest first, older than this `seq` (or from the newest).
    Before(Option<u64>),
    /// Oldest first, newer than this `seq`: catching up.
    After(u64),
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct DialogPage {
    pub dialogs: Vec<DialogView>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Dialogs in this page with something unread for me: the header's count.
    #[ts(type = "number")]
    pub unread_dialogs: u64,
}

/// Dialogs and their messages: what visitors and operators say and do in them, and the reads
/// behind the HTTP API.
pub struct Dialogs {
    pub(super) dialogs: Arc<dyn DialogStore>,
    pub(super) receipts: Arc<dyn ReceiptStore>,
    pub(super) read_markers: Arc<dyn ReadMarkerStore>,
    pub(super) directory: Arc<dyn DirectoryStore>,
    /// Who listens: the operators and visitor tabs to tell.
    pub(super) connections: Arc<dyn ConnectionStore>,
    /// Whether an operator the charge would pass to has been without a console too long.
    pub(super) watches: Arc<dyn ConsoleWatchStore>,
    /// Operators' loads, for automatic distribution.
    pub(super) loads: Arc<dyn LoadStore>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) sites: Arc<Sites>,
    pub(super) search: Arc<Search>,
    pub(super) delivery: Delivery,
    pub(super) attachments: Arc<Attachments>,
    /// Web Push to operators with no console open.
    pub(super) notifications: Arc<Notifications>,
    /// Replies and closes are counted for the reports.
    pub(super) reports: Arc<super::Reports>,
    /// A visitor's first dialog makes their contact.
    pub(super) contacts: Arc<super::Contacts>,
}

impl Dialogs {
    pub(super) fn new(
        stores: &Stores,
        clock: Arc<dyn Clock>,
        with: Collaborators,
        attachments: Arc<Attachments>,
        notifications: Arc<Notifications>,
    ) -> Self {
        Self {
            dialogs: stores.dialogs.clone(),
            receipts: stores.receipts.clone(),
            read_markers: stores.read_markers.clone(),
            directory: stores.directory.clone(),
            connections: stores.connections.clone(),
            watches: stores.console_watches.clone(),
            loads: stores.loads.clone(),
            clock,
            sites: with.sites,
            search: with.search,
            delivery: with.delivery,
            attachments,
            notifications,
            reports: with.reports,
            contacts: with.contacts,
        }
    }

    /// Reads the dialog, applies a transition and writes it back on the condition that nobody else
    /// wrote in between; a lost race reads again and re-decides. A transition that adds nothing
    /// changes nothing and writes nothing. Operators' loads move with it (`commit_change`).
    pub(super) async fn mutate_dialog<F>(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        transition: F,
    ) -> AppResult<(Dialog, Vec<Message>)>
    where
        F: Fn(&mut Dialog, Millis) -> Result<Vec<Message>, DomainError>,
    {
        let (dialog, added, _) = self.commit_change(workspace, id, None, transition).await?;
        Ok((dialog, added))
    }

    /// A change an operator makes that the domain alone decides (`Dialog::join`, `leave`,
    /// `close`, `reopen`): stored on the dialog's version, then told to whoever may see it.
    pub(crate) async fn change(
        &self,
        op: &Operator,
        connection: &ConnectionId,
        id: &DialogId,
        change: impl Fn(&mut Dialog, &Operator, Millis) -> Result<Vec<Message>, DomainError>
        + Send
        + Sync,
    ) -> AppResult<Done> {
        // The dialog as the committed change found it, for the reports.
        let before = std::sync::Mutex::new(None);
        let (dialog, added, moved) = self
            .commit_change(&op.workspace, id, None, |d, now| {
                *before.lock().expect("not poisoned") = Some(d.clone());
                change(d, op, now)
            })
            .await?;
        let closed = added.iter().find_map(|m| match m.event() {
            Some(SystemEvent::Closed { .. }) => Some(m.created_at),
            _ => None,
        });
        let before = before.into_inner().expect("not poisoned");
        if let (Some(at), Some(before)) = (closed, before) {
            self.reports.closed(&before, &op.id, at).await;
        }
        self.announce(&dialog, &added, Some(connection), &[])
            .await?;
        let charge_passed = added
            .iter()
            .any(|m| matches!(m.event(), Some(SystemEvent::Left { .. })));
        if charge_passed {
            self.pass_over_gone(dialog.clone(), Some(op)).await?;
        }
        self.distribute_after(&dialog, &moved).await;
        Ok(Done::changed(dialog, &added))
    }

    /// Whoever the charge of a dialog just passed to must be active and have a console. Handing
    /// an operator back covers the dialogs they were in charge of (found through the index), but
    /// one they were only connected to still lists them; when the charge would pass to them, they
    /// are handed back in turn, so the charge goes on to the next one connected or the dialog
    /// returns to the queue: a deactivated one `by` the operator whose change passed it (offline
    /// when nobody did), one without a console for longer than the workspace allows as offline.
    /// Reads the new assignee's record, connections and watch per change that passes the charge.
    async fn pass_over_gone(&self, mut dialog: Dialog, by: Option<&Operator>) -> AppResult<()> {
        while let Some(assignee) = dialog.assignee.clone() {
            if by.is_some_and(|by| assignee.id == by.id) {
                break;
            }
            let Some(next) = self
                .directory
                .get_operator(&dialog.workspace, &assignee.id)
                .await?
            else {
                break;
            };
            let why = match by {
                Some(by) if !next.active => HandBack::Deactivated(by),
                _ if !next.active || self.is_absent(&next).await? => HandBack::Offline,
                _ => break,
            };
            let (handed, added, moved) = self
                .commit_change(&dialog.workspace, &dialog.id, None, |d, now| {
                    d.hand_back(&next, why, now)
                })
                .await?;
            self.announce(&handed, &added, None, &[]).await?;
            if added.is_empty() {
                break;
            }
            Box::pin(self.distribute_after(&handed, &moved)).await;
            dialog = handed;
        }
        Ok(())
    }

    /// Whether the operator has had no console for longer than their workspace allows: none is
    /// connected, and their watch is due or gone (the sweep handed them back already).
    async fn is_absent(&self, op: &Operator) -> AppResult<bool> {
        let now = self.clock.now();
        let consoles = self
            .connections
            .connections_of_operator(&op.workspace, &op.id)
            .await?;
        if crate::domain::has_console(&consoles, &op.id, now) {
            return Ok(false);
        }
        let watch = self.watches.console_watch(&op.workspace, &op.id).await?;
        Ok(watch.is_none_or(|w| w.due_at <= now))
    }

    pub(crate) async fn transfer(
        &self,
        op: &Operator,
        connection: &ConnectionId,
        id: &DialogId,
        to: &OperatorId,
        comment: Option<String>,
    ) -> AppResult<Done> {
        let Some(target) = self.directory.get_operator(&op.workspace, to).await? else {
            // A caller who may not see the dialog learns nothing about operators either.
            dialog_for(&*self.dialogs, op, id).await?;
            return Err(DomainError::OperatorNotFound.into());
        };
        let (dialog, added, moved) = self
            .commit_change(&op.workspace, id, None, |d, now| {
                d.transfer(op, &target, comment.clone(), now)
            })
            .await?;
        // The operator it was taken from loses it (unless admin, which `announce` checks): tell them.
        let lost: Vec<OperatorId> = added
            .iter()
            .filter_map(|m| match m.event() {
                Some(SystemEvent::Transferred {
                    from: Some(from), ..
                }) => Some(from.clone()),
                _ => None,
            })
            .collect();
        // The one it went to is pushed meanwhile, if no console of theirs is open.
        let operators = self
            .connections
            .operator_connections(&dialog.workspace)
            .await?;
        let (announced, ()) = futures_util::future::join(
            self.announce_to(&dialog, &added, Some(connection), &lost, &operators),
            self.notifications
                .transferred(&dialog, to, comment.as_deref(), &operators),
        )
        .await;
        announced?;
        self.distribute_after(&dialog, &moved).await;
        Ok(Done::changed(dialog, &added))
    }

    /// Hands back every dialog the operator was in charge of (`Dialog::hand_back`): deactivated by
    /// an admin, or without a console for too long. Each is told like any other change; found
    /// through the index of who is in charge, never by reading the workspace's dialogs.
    pub(crate) async fn hand_back(&self, op: &Operator, why: HandBack<'_>) -> AppResult<()> {
        let mut ids = self
            .dialogs
            .dialogs_in_charge(&op.workspace, &op.id)
            .await?;
        // The index may lag a commit of a moment ago; the load, read consistently, does not.
        let load = self.loads.load(&op.workspace, &op.id).await?;
        for id in load.all {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let by = match why {
            HandBack::Deactivated(admin) => Some(admin),
            HandBack::Offline => None,
        };
        for id in ids {
            let (dialog, added, moved) = self
                .commit_change(&op.workspace, &id, None, |d, now| d.hand_back(op, why, now))
                .await?;
            self.announce(&dialog, &added, None, &[]).await?;
            self.pass_over_gone(dialog.clone(), by).await?;
            self.distribute_after(&dialog, &moved).await;
        }
        Ok(())
    }

    /// Tells every operator who may see the dialog (`dialog.updated` with the timeline event), the
    /// visitor what is theirs to see, and those in `lost` (non-admins) that it is gone for them.
    pub(super) async fn announce(
        &self,
        dialog: &Dialog,
        added: &[Message],
        except: Option<&ConnectionId>,
        lost: &[OperatorId],
    ) -> AppResult<()> {
        if added.is_empty() {
            return Ok(());
        }
        let operators = self
            .connections
            .operator_connections(&dialog.workspace)
            .await?;
        self.announce_to(dialog, added, except, lost, &operators)
            .await
    }

    /// `announce`, to the operator connections already read.
    async fn announce_to(
        &self,
        dialog: &Dialog,
        added: &[Message],
        except: Option<&ConnectionId>,
        lost: &[OperatorId],
        operators: &[Connection],
    ) -> AppResult<()> {
        if added.is_empty() {
            return Ok(());
        }
        let receipts = self
            .receipts
            .get_receipts(&dialog.workspace, &dialog.id)
            .await?;
        let to_operators = Listeners::operators_of(dialog, operators, except);
        self.delivery
            .deliver(&fanout::change_to_operators(
                &to_operators,
                added,
                &receipts,
                lost,
            ))
            .await;
        let tabs = self
            .connections
            .visitor_connections(&dialog.workspace, &dialog.visitor)
            .await?;
        let to_visitor = Listeners::tabs_of(dialog, &tabs, None);
        self.post_to_visitor(&to_visitor, added, &receipts).await?;
        Ok(())
    }

    /// A page of dialogs as the operator's sidebar shows them, with their unread counts.
    pub async fn list_dialogs(
        &self,
        op: &Operator,
        status: DialogStatus,
        cursor: Option<&str>,
        limit: usize,
    ) -> AppResult<DialogPage> {
        let cursor = match cursor {
            Some(raw) => Some(
                DialogCursor::decode(raw)
                    .ok_or_else(|| AppError::Invalid("the cursor is not valid".into()))?,
            ),
            None => None,
        };
        let limit = limit.clamp(1, MAX_PAGE);
        let page = self
            .dialogs
            .list_dialogs(&op.workspace, status, cursor.as_ref(), limit)
            .await?;
        let next_cursor = (page.len() == limit)
            .then(|| page.last().map(|d| DialogCursor::of(d).encode()))
            .flatten();
        let visible: Vec<Dialog> = page
            .into_iter()
            .filter(|d| d.check_access(op).is_ok())
            .collect();
        let ids: Vec<DialogId> = visible.iter().map(|d| d.id.clone()).collect();
        let markers = self
            .read_markers
            .read_markers(&op.workspace, &op.id, &ids)
            .await?;
        let mut unread_dialogs = 0;
        let dialogs = visible
            .iter()
            .map(|d| {
                let unread = ReadMarker::unread(markers.iter().find(|m| m.dialog == d.id), d);
                unread_dialogs += u64::from(unread > 0);
                DialogView {
                    unread: Some(unread),
                    ..dialog_view(d)
                }
            })
            .collect();
        Ok(DialogPage {
            dialogs,
            next_cursor,
            unread_dialogs,
        })
    }

    pub async fn dialog_for(&self, op: &Operator, id: &DialogId) -> AppResult<DialogView> {
        let dialog = dialog_for(&*self.dialogs, op, id).await?;
        let markers = self
            .read_markers
            .read_markers(&op.workspace, &op.id, std::slice::from_ref(id))
            .await?;
        Ok(DialogView {
            unread: Some(ReadMarker::unread(markers.first(), &dialog)),
            ..dialog_view(&dialog)
        })
    }

    /// An operator's view of a dialog's history: everything, whispers and comments included.
    pub async fn history(
        &self,
        op: &Operator,
        id: &DialogId,
        cursor: HistoryCursor,
        limit: usize,
    ) -> AppResult<HistoryPage> {
        let dialog = dialog_for(&*self.dialogs, op, id).await?;
        self.page(&dialog, cursor, limit, |m| Some(m.clone())).await
    }

    /// A visitor's view of their own dialog. Fetching it is delivery: the operators' messages it
    /// returns are marked delivered, and the operators connected are told.
    pub async fn visitor_history(
        &self,
        visitor: &Visitor,
        cursor: HistoryCursor,
        limit: usize,
    ) -> AppResult<HistoryPage> {
        let Some(id) = &visitor.dialog else {
            // A visitor with no dialog yet may belong to a blocked contact (a verified user on a
            // new device): one read of the contact says so.
            return Ok(HistoryPage {
                messages: Vec::new(),
                next_before: None,
                next_after: None,
                latest_seq: 0,
                blocked: self
                    .contacts
                    .contact_of(visitor)
                    .await?
                    .is_some_and(|c| c.blocked.is_some()),
            });
        };
        let dialog = self
            .dialogs
            .get_dialog(&visitor.workspace, id)
            .await?
            .ok_or(DomainError::DialogNotFound)?;
        let names = self.sites.shows_operator_names(&dialog).await?;
        let page = self
            .page(&dialog, cursor, limit, |m| m.for_visitor(names))
            .await?;
        let newest = page
            .messages
            .iter()
            .filter(|m| m.kind == MessageKind::Operator)
            .map(|m| m.seq)
            .max();
        if let Some(seq) = newest
            && self
                .receipts
                .advance_receipt(
                    &dialog.workspace,
                    id,
                    Side::Visitor,
                    Receipt::Delivered,
                    seq,
                )
                .await?
        {
            let operators = self
                .connections
                .operator_connections(&dialog.workspace)
                .await?;
            let l = Listeners::operators_of(&dialog, &operators, None);
            self.delivery
                .deliver(&fanout::receipt(&l, Side::Visitor, Receipt::Delivered, seq))
                .await;
        }
        Ok(page)
    }

    async fn page(
        &self,
        dialog: &Dialog,
        cursor: HistoryCursor,
        limit: usize,
        copy_for_reader: impl Fn(&Message) -> Option<Message>,
    ) -> AppResult<HistoryPage> {
        let limit = limit.clamp(1, MAX_PAGE);
        let (ws, id) = (&dialog.workspace, &dialog.id);
        let raw = match cursor {
            HistoryCursor::Before(before) => {
                self.dialogs.messages_before(ws, id, before, limit).await?
            }
            HistoryCursor::After(after) => {
                self.dialogs.messages_after(ws, id, after, limit).await?
            }
        };
        // A full page means there may be more that way; the cursor is the last message read,
        // whether or not the caller may see it.
        let more = raw.len() == limit;
        let last = raw.last().map(|m| m.seq).filter(|_| more);
        let (next_before, next_after) = match cursor {
            HistoryCursor::Before(_) => (last, None),
            HistoryCursor::After(_) => (None, last),
        };
        let receipts = self.receipts.get_receipts(ws, id).await?;
        let messages = raw
            .iter()
            .filter_map(copy_for_reader)
            .map(|m| MessageView::new(m, &receipts))
            .collect();
        Ok(HistoryPage {
            messages,
            next_before,
            next_after,
            latest_seq: dialog.seq,
            blocked: dialog.blocked,
        })
    }
}
