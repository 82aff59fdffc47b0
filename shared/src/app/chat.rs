//! The `message` route: text both ways, whispers, typing, read receipts and unread marks.

use super::fanout::{self, Listeners};
use super::{AppResult, Caller, Dialogs, Done, MAX_ATTEMPTS, backoff, dialog_for};
use crate::auth::Holder;
use crate::domain::{
    Attachment, Connection, Content, Dialog, DomainError, LoadMove, Message, MessageKind, Operator,
    ReadMarker, Receipt, Receipts, Side, Visitor,
};
use crate::ids::{ClientMessageId, ConnectionId, DialogId, WorkspaceId};
use crate::ports::StoreError;
use crate::protocol::ServerEvent;

/// A message as a client composed it.
pub struct Draft<'a> {
    pub client_id: &'a ClientMessageId,
    pub text: &'a str,
    pub reply_to: Option<u64>,
    /// Upload tokens of the files that go with it.
    pub uploads: &'a [String],
}

/// What a send stored: the new dialog state and the messages it added, or the message a retried
/// frame had already stored.
enum Sent {
    New {
        dialog: Box<Dialog>,
        added: Vec<Message>,
        created: bool,
        /// Boxed: the common case moves nothing, and it would double the retry's size.
        moved: Box<LoadMove>,
    },
    /// Boxed, as the dialog is: the two answers differ in size.
    Again(Box<Message>),
}

impl Dialogs {
    pub(crate) async fn visitor_send(
        &self,
        visitor: &Visitor,
        connection: &ConnectionId,
        dialog_id: Option<&DialogId>,
        draft: Draft<'_>,
    ) -> AppResult<Done> {
        if dialog_id.is_some() && dialog_id != visitor.dialog.as_ref() {
            return Err(DomainError::Forbidden("this is another visitor's dialog").into());
        }
        let files = self
            .attachments
            .attachments_for(
                &visitor.workspace,
                &Holder::Visitor(visitor.id.clone()),
                draft.uploads,
                visitor.dialog.as_ref(),
                draft.client_id,
            )
            .await?;
        let stored = self
            .store_visitor_message(visitor, &draft, files.attachments.clone())
            .await;
        let (dialog, added, created, moved) = match self.attachments.settle(&files, stored).await? {
            Sent::Again(message) => return self.done_again(&visitor.workspace, *message).await,
            Sent::New {
                dialog,
                added,
                created,
                moved,
            } => (*dialog, added, created, moved),
        };
        let message = added.last().expect("a send adds its message");

        // Operators first: once one console has it, it is delivered.
        let operators = self
            .connections
            .operator_connections(&dialog.workspace)
            .await?;
        let to_operators = Listeners::operators_of(&dialog, &operators, None);
        let posts =
            fanout::message_to_operators(&to_operators, &added, &Receipts::default(), created);
        // The search index is written while the pushes go out: it is not on the message's path.
        let index = async {
            self.search.index_messages(&dialog, &added).await;
            if created {
                self.search
                    .index_visitor(&Visitor {
                        dialog: Some(dialog.id.clone()),
                        ..visitor.clone()
                    })
                    .await;
            }
        };
        // Operators with no console open are pushed at the same time.
        let notify = self
            .notifications
            .visitor_wrote(&dialog, message, created, &operators);
        let (outcomes, (), ()) =
            futures_util::future::join3(self.delivery.deliver(&posts), index, notify).await;
        let delivered = outcomes.into_iter().any(|ok| ok);
        if delivered {
            self.receipts
                .advance_receipt(
                    &dialog.workspace,
                    &dialog.id,
                    Side::Operators,
                    Receipt::Delivered,
                    message.seq,
                )
                .await?;
        }
        let receipts = just_sent(Side::Operators, message.seq, delivered);
        // The visitor's other tabs.
        let tabs = self
            .connections
            .visitor_connections(&dialog.workspace, &dialog.visitor)
            .await?;
        let others = Listeners::tabs_of(&dialog, &tabs, Some(connection));
        self.post_to_visitor(&others, &added, &receipts).await?;
        if !before_message(&added).is_empty() {
            let mine = own(&tabs, connection);
            let mine = Listeners::tabs_of(&dialog, &mine, None);
            self.post_to_visitor(&mine, before_message(&added), &receipts)
                .await?;
        }
        // A dialog that now needs an operator is given one where distribution is on.
        self.distribute_after(&dialog, &moved).await;
        Ok(Done::message(message.clone(), receipts))
    }

    /// The visitor's first message creates the dialog and links the visitor to it in one write;
    /// a lost race (the same first message retried at once) re-reads and appends instead.
    async fn store_visitor_message(
        &self,
        visitor: &Visitor,
        draft: &Draft<'_>,
        attachments: Vec<Attachment>,
    ) -> AppResult<Sent> {
        let mut visitor = visitor.clone();
        let mut tags = Vec::new();
        if visitor.dialog.is_none() {
            // The first dialog belongs to the visitor's contact, made now if they have none; a
            // blocked contact starts none, a tagged one starts it with its tags (one read of the
            // contact, on the first message only).
            let (with, contact) = self.contacts.contact_for_dialog(&visitor).await?;
            if contact.as_ref().is_some_and(|c| c.blocked.is_some()) {
                return Err(DomainError::ContactBlocked.into());
            }
            visitor = with;
            tags = contact.map(|c| c.tags).unwrap_or_default();
        }
        for attempt in 0..MAX_ATTEMPTS {
            let now = self.clock.now();
            let (mut dialog, created) = match &visitor.dialog {
                None => (
                    Dialog {
                        tags: tags.clone(),
                        ..Dialog::start(&visitor, now)
                    },
                    true,
                ),
                Some(id) => (
                    self.dialogs
                        .get_dialog(&visitor.workspace, id)
                        .await?
                        .ok_or(DomainError::DialogNotFound)?,
                    false,
                ),
            };
            let before = (!created).then(|| dialog.clone());
            let content = Content {
                text: draft.text.to_owned(),
                attachments: attachments.clone(),
            };
            let added = dialog.visitor_message(
                &visitor,
                draft.client_id.clone(),
                content,
                draft.reply_to,
                now,
            )?;
            dialog.version += 1;
            let moved = LoadMove::between(before.as_ref(), &dialog);
            match self.dialogs.commit(&dialog, &added, &moved).await {
                Ok(()) => {
                    if created {
                        let gained = super::tags::gained(&dialog.tags);
                        self.contacts
                            .tags
                            .moved_after(&dialog.workspace, &gained)
                            .await;
                    }
                    return Ok(Sent::New {
                        dialog: Box::new(dialog),
                        added,
                        created,
                        moved: Box::new(moved),
                    });
                }
                Err(StoreError::Conflict) => {
                    backoff(attempt).await;
                    visitor = self
                        .directory
                        .get_visitor(&visitor.workspace, &visitor.id)
                        .await?
                        .ok_or(DomainError::Forbidden("the visitor no longer exists"))?;
                    if created && visitor.dialog.is_none() {
                        // The contact may have been merged meanwhile: the dialog is its survivor's,
                        // and starts with its tags.
                        let (with, contact) = self.contacts.contact_for_dialog(&visitor).await?;
                        visitor = with;
                        tags = contact.map(|c| c.tags).unwrap_or_default();
                    }
                }
                Err(StoreError::DuplicateMessage) => {
                    return Ok(Sent::Again(Box::new(
                        self.stored_again(&dialog, draft.client_id).await?,
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    async fn stored_again(
        &self,
        dialog: &Dialog,
        client_id: &ClientMessageId,
    ) -> AppResult<Message> {
        let message = self
            .dialogs
            .find_message_by_client_id(&dialog.workspace, &dialog.id, client_id)
            .await?;
        // The duplicate was just seen, so it is there; anything else is the store failing.
        Ok(
            message
                .ok_or_else(|| StoreError::Unavailable("a duplicate message vanished".into()))?,
        )
    }

    /// A retried frame is answered with what the first one stored, and nothing is pushed again.
    async fn done_again(&self, workspace: &WorkspaceId, message: Message) -> AppResult<Done> {
        let receipts = self
            .receipts
            .get_receipts(workspace, &message.dialog_id)
            .await?;
        Ok(Done::message(message, receipts))
    }

    pub(crate) async fn operator_send(
        &self,
        op: &Operator,
        connection: &ConnectionId,
        dialog_id: &DialogId,
        draft: Draft<'_>,
        whisper: bool,
    ) -> AppResult<Done> {
        let Draft {
            client_id,
            text,
            reply_to,
            uploads,
        } = draft;
        let files = self
            .attachments
            .attachments_for(
                &op.workspace,
                &Holder::Operator(op.id.clone()),
                uploads,
                Some(dialog_id),
                client_id,
            )
            .await?;
        let attachments = &files.attachments;
        // The dialog as the committed reply found it, for the reports.
        let before = std::sync::Mutex::new(None);
        let outcome = self
            .mutate_dialog(&op.workspace, dialog_id, |d, now| {
                *before.lock().expect("not poisoned") = Some(d.clone());
                if whisper {
                    d.whisper(op, client_id.clone(), text.to_owned(), reply_to, now)
                } else {
                    d.operator_message(
                        op,
                        client_id.clone(),
                        Content {
                            text: text.to_owned(),
                            attachments: attachments.clone(),
                        },
                        reply_to,
                        now,
                    )
                }
            })
            .await;
        let (dialog, added) = match self.attachments.settle(&files, outcome).await {
            Ok(done) => done,
            Err(super::AppError::Store(StoreError::DuplicateMessage)) => {
                let dialog = dialog_for(&*self.dialogs, op, dialog_id).await?;
                let message = self.stored_again(&dialog, client_id).await?;
                return self.done_again(&op.workspace, message).await;
            }
            Err(e) => return Err(e),
        };
        let message = added.last().expect("a send adds its message");
        if let Some(before) = before
            .into_inner()
            .expect("not poisoned")
            .filter(|_| !whisper)
        {
            self.reports
                .replied(&before, &op.id, message.created_at)
                .await;
        }

        // The visitor first (never a whisper): once a visitor's tab has it, it is delivered.
        let mut delivered = false;
        if message.visible_to_visitor() {
            let tabs = self
                .connections
                .visitor_connections(&dialog.workspace, &dialog.visitor)
                .await?;
            let visitor = Listeners::tabs_of(&dialog, &tabs, None);
            delivered = self
                .post_to_visitor(&visitor, &added, &Receipts::default())
                .await?;
            if delivered {
                self.receipts
                    .advance_receipt(
                        &op.workspace,
                        dialog_id,
                        Side::Visitor,
                        Receipt::Delivered,
                        message.seq,
                    )
                    .await?;
            }
        }
        let receipts = just_sent(Side::Visitor, message.seq, delivered);
        let operators = self
            .connections
            .operator_connections(&dialog.workspace)
            .await?;
        let others = Listeners::operators_of(&dialog, &operators, Some(connection));
        let mut posts = fanout::message_to_operators(&others, &added, &receipts, false);
        let mine = own(&operators, connection);
        let mine = Listeners::operators_of(&dialog, &mine, None);
        posts.extend(fanout::change_to_operators(
            &mine,
            before_message(&added),
            &receipts,
            &[],
        ));
        futures_util::future::join(
            self.delivery.deliver(&posts),
            self.search.index_messages(&dialog, &added),
        )
        .await;
        Ok(Done {
            dialog: Some(dialog.clone()),
            ..Done::message(message.clone(), receipts)
        })
    }

    /// Posts the visitor's copies of `messages` to the visitor's tabs of `to`; true if any tab got
    /// them. The site's "show operator names" is read only when there is a tab to post to.
    pub(crate) async fn post_to_visitor(
        &self,
        to: &Listeners<'_>,
        messages: &[Message],
        receipts: &Receipts,
    ) -> AppResult<bool> {
        if to.tabs().next().is_none() {
            return Ok(false);
        }
        let names = self.sites.shows_operator_names(to.dialog).await?;
        let posts = fanout::message_to_visitor(to, messages, receipts, names);
        if posts.is_empty() {
            return Ok(false);
        }
        Ok(self.delivery.deliver(&posts).await.into_iter().any(|ok| ok))
    }

    pub(crate) async fn typing(
        &self,
        caller: &Caller,
        connection: &ConnectionId,
        dialog_id: Option<&DialogId>,
        typing: bool,
    ) -> AppResult<Done> {
        let ack = Done::default();
        let posts = match caller {
            Caller::Visitor(v) => {
                // Nothing to tell before the first message created a dialog.
                let Some(id) = visitor_dialog(v, dialog_id)? else {
                    return Ok(ack);
                };
                let dialog = self
                    .dialogs
                    .get_dialog(&v.workspace, &id)
                    .await?
                    .ok_or(DomainError::DialogNotFound)?;
                let operators = self
                    .connections
                    .operator_connections(&dialog.workspace)
                    .await?;
                let l = Listeners::operators_of(&dialog, &operators, None);
                fanout::typing(&l, Side::Visitor, None, typing, false)
            }
            Caller::Operator(op) => {
                let id = dialog_id
                    .ok_or_else(|| super::AppError::Invalid("dialog_id is required".into()))?;
                let dialog = dialog_for(&*self.dialogs, op, id).await?;
                let operators = self
                    .connections
                    .operator_connections(&dialog.workspace)
                    .await?;
                let tabs = self
                    .connections
                    .visitor_connections(&dialog.workspace, &dialog.visitor)
                    .await?;
                let names = !tabs.is_empty() && self.sites.shows_operator_names(&dialog).await?;
                let l = Listeners {
                    dialog: &dialog,
                    operators: &operators,
                    visitor: &tabs,
                    sender: Some(connection),
                };
                fanout::typing(&l, Side::Operators, Some(&op.name), typing, names)
            }
        };
        self.delivery.deliver(&posts).await;
        Ok(ack)
    }

    pub(crate) async fn read(
        &self,
        caller: &Caller,
        connection: &ConnectionId,
        dialog_id: Option<&DialogId>,
        up_to: u64,
    ) -> AppResult<Done> {
        let ack = Done::default();
        let (dialog, reader) = match caller {
            Caller::Visitor(v) => {
                let Some(id) = visitor_dialog(v, dialog_id)? else {
                    return Ok(ack);
                };
                (
                    self.dialogs
                        .get_dialog(&v.workspace, &id)
                        .await?
                        .ok_or(DomainError::DialogNotFound)?,
                    Side::Visitor,
                )
            }
            Caller::Operator(op) => {
                let id = dialog_id
                    .ok_or_else(|| super::AppError::Invalid("dialog_id is required".into()))?;
                (dialog_for(&*self.dialogs, op, id).await?, Side::Operators)
            }
        };
        if up_to > dialog.seq {
            let msg = format!(
                "up_to {up_to} is past the dialog's newest message ({})",
                dialog.seq
            );
            return Err(super::AppError::Invalid(msg));
        }
        let (ws, id) = (&dialog.workspace, &dialog.id);
        // Read implies delivered.
        self.receipts
            .advance_receipt(ws, id, reader, Receipt::Delivered, up_to)
            .await?;
        let moved = self
            .receipts
            .advance_receipt(ws, id, reader, Receipt::Read, up_to)
            .await?;
        let mut posts = Vec::new();
        if moved {
            // The writers hear of it: the operators connected, or the visitor's tabs.
            let (operators, tabs) = match reader {
                Side::Visitor => (self.connections.operator_connections(ws).await?, Vec::new()),
                Side::Operators => (
                    Vec::new(),
                    self.connections
                        .visitor_connections(ws, &dialog.visitor)
                        .await?,
                ),
            };
            let l = Listeners {
                dialog: &dialog,
                operators: &operators,
                visitor: &tabs,
                sender: None,
            };
            posts.extend(fanout::receipt(&l, reader, Receipt::Read, up_to));
        }
        if let Caller::Operator(op) = caller {
            let unread_after = self.visitor_messages_after(&dialog, up_to).await?;
            let marker = ReadMarker {
                workspace: ws.clone(),
                operator: op.id.clone(),
                dialog: id.clone(),
                visitor_messages_read: dialog.visitor_messages - unread_after,
                marked_unread: false,
            };
            self.read_markers.put_read_marker(&marker).await?;
            posts.extend(
                self.own_read_state(op, connection, &dialog, &marker)
                    .await?,
            );
        }
        self.delivery.deliver(&posts).await;
        Ok(ack)
    }

    /// How many visitor messages came after `seq`: usually none, as clients read up to the newest.
    /// Past `MAX_COUNTED` later messages the read is not worth it: every later message counts as
    /// the visitor's (the unread count is then an upper bound until the next read).
    async fn visitor_messages_after(&self, dialog: &Dialog, seq: u64) -> AppResult<u64> {
        const MAX_COUNTED: u64 = 500;
        let later = dialog.seq.saturating_sub(seq);
        if later == 0 {
            return Ok(0);
        }
        if later > MAX_COUNTED {
            return Ok(later.min(dialog.visitor_messages));
        }
        let messages = self
            .dialogs
            .messages_after(&dialog.workspace, &dialog.id, seq, later as usize)
            .await?;
        Ok(messages
            .iter()
            .filter(|m| m.kind() == MessageKind::Visitor)
            .count() as u64)
    }

    pub(crate) async fn mark_unread(
        &self,
        op: &Operator,
        connection: &ConnectionId,
        dialog_id: &DialogId,
    ) -> AppResult<Done> {
        let dialog = dialog_for(&*self.dialogs, op, dialog_id).await?;
        let existing = self
            .read_markers
            .read_markers(&op.workspace, &op.id, std::slice::from_ref(dialog_id))
            .await?;
        let mut marker = existing.into_iter().next().unwrap_or(ReadMarker {
            workspace: op.workspace.clone(),
            operator: op.id.clone(),
            dialog: dialog_id.clone(),
            visitor_messages_read: 0,
            marked_unread: false,
        });
        marker.marked_unread = true;
        self.read_markers.put_read_marker(&marker).await?;
        let posts = self
            .own_read_state(op, connection, &dialog, &marker)
            .await?;
        self.delivery.deliver(&posts).await;
        let unread = ReadMarker::unread(Some(&marker), &dialog);
        Ok(Done {
            dialog: Some(dialog),
            unread: Some(unread),
            ..Done::default()
        })
    }

    /// `dialog.read` to the operator's other tabs, so every one of them shows the same count.
    async fn own_read_state(
        &self,
        op: &Operator,
        except: &ConnectionId,
        dialog: &Dialog,
        marker: &ReadMarker,
    ) -> AppResult<Vec<super::Post>> {
        let event = ServerEvent::DialogRead {
            dialog_id: dialog.id.clone(),
            unread: ReadMarker::unread(Some(marker), dialog),
            marked_unread: marker.marked_unread,
        };
        let mine = self.connections.operator_connections(&op.workspace).await?;
        Ok(fanout::own_tabs(&op.id, &mine, except, &event))
    }
}

/// The receipts a message stored this instant is shown with: delivered if the push just reached
/// the other side, else queued; nothing can have read it yet. Derived, so a send reads no receipts.
fn just_sent(receiver: Side, seq: u64, delivered: bool) -> Receipts {
    let mut receipts = Receipts::default();
    if delivered {
        receipts.set(receiver, Receipt::Delivered, seq);
    }
    receipts
}

/// A visitor acts on their own dialog only; naming another one is refused.
fn visitor_dialog(visitor: &Visitor, named: Option<&DialogId>) -> AppResult<Option<DialogId>> {
    match named {
        Some(id) if visitor.dialog.as_ref() != Some(id) => {
            Err(DomainError::Forbidden("this is another visitor's dialog").into())
        }
        _ => Ok(visitor.dialog.clone()),
    }
}

/// What a send stored before its message: the reopening of a closed dialog. The ack answers the
/// sender with the message alone, so the sending connection is told of these as everyone is.
fn before_message(added: &[Message]) -> &[Message] {
    &added[..added.len().saturating_sub(1)]
}

/// The sending connection's own record, to tell it what its ack does not carry.
fn own(connections: &[Connection], id: &ConnectionId) -> Vec<Connection> {
    connections
        .iter()
        .filter(|c| &c.id == id)
        .cloned()
        .collect()
}
