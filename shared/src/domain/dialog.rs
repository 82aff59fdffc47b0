//! A dialog and its transitions. Each transition checks the caller's right, changes the dialog and
//! returns the messages it adds to the timeline (the message itself and system events).

use crate::ids::{
    ClientMessageId, ContactId, DialogId, MessageId, OperatorId, SiteKey, VisitorId, WorkspaceId,
};
use serde::{Deserialize, Serialize};

use super::{
    Attachment, Content, DomainError, MAX_COMMENT_CHARS, Message, MessageKind, Millis, Operator,
    Right, Sender, SystemEvent, Visitor, validate_text,
};

const DAY_MS: Millis = 24 * 3600 * 1000;

/// The most dialogs one request deletes (`POST /api/dialogs/delete`): a console's loaded list
/// is a few pages of 50, and each dialog is a few store calls and one request to storage.
pub const MAX_DIALOGS_PER_DELETE: usize = 100;

/// Why an operator's dialogs are handed back.
#[derive(Clone, Copy, Debug)]
pub enum HandBack<'a> {
    /// An admin (`by`) deactivated them.
    Deactivated(&'a Operator),
    /// No console of theirs was connected for longer than the workspace allows.
    Offline,
}

/// Why an operator of the workspace may not see a dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// It was transferred away from them.
    TransferredAway,
    /// A colleague is in charge of it.
    ColleaguesDialog,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum DialogStatus {
    Open,
    Closed,
}

impl DialogStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// An operator connected to a dialog, with the name shown under the visitor's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct Participant {
    pub id: OperatorId,
    pub name: String,
}

/// The last message, as the sidebar shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct LastMessage {
    #[ts(type = "number")]
    pub seq: u64,
    pub kind: MessageKind,
    /// At most 140 characters of the text.
    pub text: String,
    #[ts(type = "number")]
    pub at: Millis,
}

const PREVIEW_CHARS: usize = 140;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dialog {
    pub id: DialogId,
    pub workspace: WorkspaceId,
    pub site: SiteKey,
    pub visitor: VisitorId,
    /// The contact's name as operators see it (`Contact::display_name`), kept in step when it
    /// is edited.
    pub visitor_name: String,
    /// The contact the dialog belongs to; dialogs stored before contacts have none.
    #[serde(default)]
    pub contact: Option<ContactId>,
    pub status: DialogStatus,
    /// The operator in charge: the first to connect, or whom it was transferred to.
    pub assignee: Option<Participant>,
    /// Operators connected to the dialog now.
    pub participants: Vec<Participant>,
    /// Operators it was transferred away from: they lose its history unless they are admins.
    pub revoked: Vec<OperatorId>,
    /// Operators whose joining the visitor was told of since the dialog last opened. Visitors are
    /// never told of a leave, so a join after one is news to operators only.
    #[serde(default)]
    pub introduced: Vec<OperatorId>,
    /// Green in the sidebar: a visitor wrote while no operator was connected.
    pub needs_answer: bool,
    /// The first visitor message not yet answered by an operator: the processing order.
    pub waiting_since: Option<Millis>,
    pub last_activity: Millis,
    pub last_message: Option<LastMessage>,
    /// The `seq` of the newest message.
    pub seq: u64,
    /// How many visitor messages the dialog holds: an operator's unread count is this less what they read.
    pub visitor_messages: u64,
    pub created_at: Millis,
    pub closed_at: Option<Millis>,
    /// Since when it waits in the queue for an operator with room (automatic distribution).
    #[serde(default)]
    pub queued_since: Option<Millis>,
    /// Since when the operator in charge has put it on hold to take another (seed 004).
    #[serde(default)]
    pub held_since: Option<Millis>,
    /// How long it has been on hold in all, over every hold that ended (a hold under way adds
    /// from `held_since` when it ends).
    #[serde(default)]
    pub held_ms: Millis,
    /// When it last reopened (absent: it never did, and it opened at `created_at`): where its
    /// resolution time starts, for the reports.
    #[serde(default)]
    pub opened_at: Option<Millis>,
    /// An operator's first reply since it started or last reopened: later replies are no first
    /// response, for the reports.
    #[serde(default)]
    pub first_reply_at: Option<Millis>,
    /// When a closed dialog is deleted, with everything in it, under the workspace's retention
    /// (`ChatHandling::delete_closed_after_days`, as it was when the dialog closed); reopening it
    /// clears this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_at: Option<Millis>,
    /// The contact is blocked (`Contact::blocked`, copied here when it is set or lifted): no
    /// message goes to or from the visitor, at no extra read per message.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
    /// The contact's tags (`Contact::tags`, copied here when they change and when the dialog
    /// starts): the list shows the pinned ones and filters by them without reading contacts, and
    /// each tag's count of dialogs moves with this copy (`tag_moves`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<super::ContactTag>,
    /// Bumped by every write; a write that expects another version loses the race.
    pub version: u64,
}

impl Dialog {
    /// The dialog a visitor's first message creates. Version 0 means "not stored yet".
    pub fn start(visitor: &Visitor, now: Millis) -> Self {
        Dialog {
            id: DialogId::generate(),
            workspace: visitor.workspace.clone(),
            site: visitor.site.clone(),
            visitor: visitor.id.clone(),
            visitor_name: visitor.display_name(),
            contact: visitor.contact.clone(),
            status: DialogStatus::Open,
            assignee: None,
            participants: Vec::new(),
            revoked: Vec::new(),
            introduced: Vec::new(),
            needs_answer: false,
            waiting_since: None,
            last_activity: now,
            last_message: None,
            seq: 0,
            visitor_messages: 0,
            created_at: now,
            closed_at: None,
            queued_since: None,
            held_since: None,
            held_ms: 0,
            opened_at: None,
            first_reply_at: None,
            delete_at: None,
            blocked: false,
            tags: Vec::new(),
            version: 0,
        }
    }

    pub fn is_participant(&self, op: &OperatorId) -> bool {
        self.participants.iter().any(|p| &p.id == op)
    }

    pub fn is_in_charge(&self, op: &OperatorId) -> bool {
        self.assignee.as_ref().is_some_and(|a| &a.id == op)
    }

    /// Ring while a visitor waits and no operator is connected.
    pub fn rings(&self) -> bool {
        self.status == DialogStatus::Open && self.needs_answer && self.participants.is_empty()
    }

    /// May this operator see the dialog and its history at all?
    pub fn check_access(&self, op: &Operator) -> Result<(), DomainError> {
        if op.workspace != self.workspace {
            return Err(DomainError::DialogNotFound);
        }
        match self.hidden_from(&op.id, |right| op.can(right)) {
            None => Ok(()),
            Some(Hidden::TransferredAway) => Err(DomainError::Forbidden(
                "the dialog was transferred away from you",
            )),
            Some(Hidden::ColleaguesDialog) => Err(DomainError::Forbidden(
                "the dialog is in a colleague's charge, and your groups do not let you see colleagues' dialogs",
            )),
        }
    }

    /// Why an operator who holds the rights `can` says yes to may not see the dialog, or nothing:
    /// one transferred it away (unless they may reassign dialogs), or a colleague is in charge of
    /// it and they are not connected to it (unless they may see colleagues' dialogs, or reassign
    /// dialogs, which needs seeing them).
    pub fn hidden_from(&self, op: &OperatorId, can: impl Fn(Right) -> bool) -> Option<Hidden> {
        if self.revoked.contains(op) && !can(Right::ReassignDialogs) {
            Some(Hidden::TransferredAway)
        } else if self.assignee.as_ref().is_some_and(|a| &a.id != op)
            && !self.is_participant(op)
            && !can(Right::SeeColleaguesDialogs)
            && !can(Right::ReassignDialogs)
        {
            Some(Hidden::ColleaguesDialog)
        } else {
            None
        }
    }

    pub fn visitor_message(
        &mut self,
        visitor: &Visitor,
        client_id: ClientMessageId,
        content: impl Into<Content>,
        reply_to: Option<u64>,
        now: Millis,
    ) -> Result<Vec<Message>, DomainError> {
        if visitor.id != self.visitor {
            return Err(DomainError::Forbidden("this is another visitor's dialog"));
        }
        if self.blocked {
            return Err(DomainError::ContactBlocked);
        }
        let content = content.into();
        content.validate()?;
        self.check_reply_to(reply_to)?;
        let mut added = Vec::new();
        if self.status == DialogStatus::Closed {
            added.push(self.reopen_by(None, self.visitor_name.clone(), now));
        }
        self.visitor_messages += 1;
        if self.participants.is_empty() {
            self.needs_answer = true;
        }
        self.waiting_since.get_or_insert(now);
        let sender = Sender::Visitor {
            id: visitor.id.clone(),
            name: self.visitor_name.clone(),
        };
        added.push(self.append_content(sender, client_id, content, reply_to, now));
        Ok(added)
    }

    pub fn operator_message(
        &mut self,
        op: &Operator,
        client_id: ClientMessageId,
        content: impl Into<Content>,
        reply_to: Option<u64>,
        now: Millis,
    ) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        if self.blocked {
            return Err(DomainError::ContactBlocked);
        }
        let content = content.into();
        content.validate()?;
        self.check_reply_to(reply_to)?;
        if !self.is_participant(&op.id) {
            return Err(DomainError::NotConnected);
        }
        let mut added = Vec::new();
        if self.status == DialogStatus::Closed {
            added.push(self.reopen_by(Some(op.id.clone()), op.name.clone(), now));
        }
        // Writing to the visitor is taking the dialog up again: a hold ends with it.
        if self.held_since.is_some() {
            added.push(self.resume_by(op, now));
        }
        self.needs_answer = false;
        self.waiting_since = None;
        self.first_reply_at.get_or_insert(now);
        let sender = Sender::Operator {
            id: op.id.clone(),
            name: Some(op.name.clone()),
        };
        added.push(self.append_content(sender, client_id, content, reply_to, now));
        Ok(added)
    }

    /// Operator-only text. It neither reopens the dialog nor counts as an answer.
    pub fn whisper(
        &mut self,
        op: &Operator,
        client_id: ClientMessageId,
        text: String,
        reply_to: Option<u64>,
        now: Millis,
    ) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        validate_text(&text)?;
        self.check_reply_to(reply_to)?;
        let sender = Sender::Whisper {
            id: op.id.clone(),
            name: op.name.clone(),
        };
        let seq = self.next_seq();
        Ok(vec![
            self.message(seq, client_id, sender, text, reply_to, now),
        ])
    }

    /// Connects an operator. The first one connected takes charge and the ring stops for everyone.
    /// Joining twice changes nothing.
    pub fn join(&mut self, op: &Operator, now: Millis) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        if self.is_participant(&op.id) {
            return Ok(Vec::new());
        }
        Ok(vec![self.connect(op, false, now)])
    }

    /// Whether the dialog waits for an operator to be given it: open, a visitor waiting, nobody
    /// connected (what rings when distribution is off).
    pub fn needs_operator(&self) -> bool {
        self.rings()
    }

    /// Automatic distribution gives the dialog to `to`: connected and in charge, as if they had
    /// joined, and out of the queue. Nothing changes unless the dialog still needs an operator.
    pub fn assign(&mut self, to: &Operator, now: Millis) -> Result<Vec<Message>, DomainError> {
        if to.workspace != self.workspace {
            return Err(DomainError::OperatorNotFound);
        }
        if !to.active {
            return Err(DomainError::OperatorDeactivated);
        }
        if !self.needs_operator() {
            return Ok(Vec::new());
        }
        Ok(vec![self.connect(to, true, now)])
    }

    /// Everyone available is full: the dialog waits in the queue, in arrival order. Operators see
    /// it in the timeline; the visitor is told their place apart. Queued once.
    pub fn enqueue(&mut self, now: Millis) -> Vec<Message> {
        if !self.needs_operator() || self.queued_since.is_some() {
            return Vec::new();
        }
        self.queued_since = Some(now);
        vec![self.system(SystemEvent::Queued {}, now)]
    }

    fn connect(&mut self, op: &Operator, assigned: bool, now: Millis) -> Message {
        let me = Participant {
            id: op.id.clone(),
            name: op.name.clone(),
        };
        if self.assignee.is_none() {
            self.assignee = Some(me.clone());
        }
        self.participants.push(me);
        self.needs_answer = false;
        self.queued_since = None;
        let rejoined = self.introduced.contains(&op.id);
        if !rejoined {
            self.introduced.push(op.id.clone());
        }
        let event = SystemEvent::Joined {
            operator: op.id.clone(),
            name: op.name.clone(),
            rejoined,
            assigned,
        };
        self.system(event, now)
    }

    /// Disconnects an operator: the dialog goes back to the queue once nobody is connected.
    pub fn leave(&mut self, op: &Operator, now: Millis) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        if !self.is_participant(&op.id) {
            return Ok(Vec::new());
        }
        self.participants.retain(|p| p.id != op.id);
        if self.is_in_charge(&op.id) {
            self.assignee = self.participants.first().cloned();
        }
        let event = SystemEvent::Left {
            operator: op.id.clone(),
            name: op.name.clone(),
        };
        let mut added = vec![self.system(event, now)];
        // The last one connected left a held dialog: nobody holds it any more.
        if self.participants.is_empty() && self.held_since.is_some() {
            added.push(self.unheld(now));
        }
        Ok(added)
    }

    /// Hands the dialog to another operator, with a comment only operators see. Only an admin or the
    /// operator in charge may do it; the one it is taken from loses its history unless admin; a closed
    /// dialog stays closed (seed 002).
    pub fn transfer(
        &mut self,
        by: &Operator,
        to: &Operator,
        comment: Option<String>,
        now: Millis,
    ) -> Result<Vec<Message>, DomainError> {
        self.check_access(by)?;
        if !by.can(Right::ReassignDialogs) && !self.is_in_charge(&by.id) {
            return Err(DomainError::Forbidden(
                "only the operator in charge, an admin or a member of a group that may reassign dialogs may transfer this dialog",
            ));
        }
        if to.workspace != self.workspace {
            return Err(DomainError::OperatorNotFound);
        }
        if !to.active {
            return Err(DomainError::OperatorDeactivated);
        }
        if self.is_in_charge(&to.id) {
            return Err(DomainError::AlreadyInCharge);
        }
        let comment = comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
        {
            return Err(DomainError::Invalid(format!(
                "the comment is longer than {MAX_COMMENT_CHARS} characters"
            )));
        }
        let previous = self.assignee.take();
        if let Some(prev) = &previous {
            self.participants.retain(|p| p.id != prev.id);
            // Whether the previous operator is an admin is decided when access is checked, so the
            // revocation is recorded for everyone and waived for admins there.
            if !self.revoked.contains(&prev.id) {
                self.revoked.push(prev.id.clone());
            }
        }
        let target = Participant {
            id: to.id.clone(),
            name: to.name.clone(),
        };
        self.revoked.retain(|id| id != &to.id);
        if !self.is_participant(&to.id) {
            self.participants.push(target.clone());
        }
        self.assignee = Some(target);
        self.needs_answer = false;
        self.queued_since = None;
        let event = SystemEvent::Transferred {
            by: by.id.clone(),
            by_name: by.name.clone(),
            from: previous.as_ref().map(|p| p.id.clone()),
            from_name: previous.map(|p| p.name),
            to: to.id.clone(),
            to_name: to.name.clone(),
            comment,
        };
        Ok(vec![self.system(event, now)])
    }

    /// Hands back the dialog of an operator who was deactivated by an admin, or who has had no
    /// console for longer than the workspace allows: they leave it, and the charge passes to the
    /// next operator connected or, with nobody connected, the dialog is unassigned. A deactivated
    /// operator's open dialog rings again at once; an absent one's when the visitor is waiting (or
    /// writes next). Nothing changes for a dialog they were not connected to.
    pub fn hand_back(
        &mut self,
        op: &Operator,
        why: HandBack,
        now: Millis,
    ) -> Result<Vec<Message>, DomainError> {
        if op.workspace != self.workspace {
            return Err(DomainError::DialogNotFound);
        }
        if let HandBack::Deactivated(by) = why
            && by.workspace != self.workspace
        {
            return Err(DomainError::DialogNotFound);
        }
        if !self.is_participant(&op.id) && !self.is_in_charge(&op.id) {
            return Ok(Vec::new());
        }
        self.participants.retain(|p| p.id != op.id);
        if self.is_in_charge(&op.id) {
            self.assignee = self.participants.first().cloned();
        }
        let open_and_alone = self.participants.is_empty() && self.status == DialogStatus::Open;
        let mut added = Vec::new();
        // Nobody is left to come back to it: the hold ends, and the visitor reads that it has.
        if self.participants.is_empty() && self.held_since.is_some() {
            added.push(self.unheld(now));
        }
        let event = match why {
            HandBack::Deactivated(by) => {
                if open_and_alone {
                    self.needs_answer = true;
                }
                SystemEvent::HandedBack {
                    operator: op.id.clone(),
                    name: op.name.clone(),
                    by: by.id.clone(),
                    by_name: by.name.clone(),
                }
            }
            HandBack::Offline => {
                if open_and_alone && self.waiting_since.is_some() {
                    self.needs_answer = true;
                }
                SystemEvent::WentOffline {
                    operator: op.id.clone(),
                    name: op.name.clone(),
                }
            }
        };
        added.insert(0, self.system(event, now));
        Ok(added)
    }

    pub fn close(&mut self, op: &Operator, now: Millis) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        if self.status == DialogStatus::Closed {
            return Err(DomainError::AlreadyClosed);
        }
        self.status = DialogStatus::Closed;
        self.closed_at = Some(now);
        // Closing ends a hold: its time counts, and the visitor reads the close instead.
        self.end_hold(now);
        self.introduced.clear();
        self.needs_answer = false;
        self.waiting_since = None;
        self.queued_since = None;
        let event = SystemEvent::Closed {
            by: Some(op.id.clone()),
            by_name: op.name.clone(),
        };
        Ok(vec![self.system(event, now)])
    }

    /// Closes it as `close` does, to be deleted `keep_days` days later when the workspace keeps
    /// closed dialogs for that long (`None`: kept).
    pub fn close_keeping(
        &mut self,
        op: &Operator,
        now: Millis,
        keep_days: Option<u32>,
    ) -> Result<Vec<Message>, DomainError> {
        let added = self.close(op, now)?;
        self.delete_at = keep_days.map(|days| now + Millis::from(days) * DAY_MS);
        Ok(added)
    }

    pub fn reopen(&mut self, op: &Operator, now: Millis) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        if self.status == DialogStatus::Open {
            return Err(DomainError::AlreadyOpen);
        }
        Ok(vec![self.reopen_by(
            Some(op.id.clone()),
            op.name.clone(),
            now,
        )])
    }

    /// Puts the dialog on hold, to take another (seed 004): an operator connected to an open
    /// dialog may; the visitor is told it is on hold until it is resumed, an operator writes to
    /// them, or it closes.
    pub fn hold(&mut self, op: &Operator, now: Millis) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        if !self.is_participant(&op.id) {
            return Err(DomainError::NotConnected);
        }
        if self.status == DialogStatus::Closed {
            return Err(DomainError::AlreadyClosed);
        }
        if self.held_since.is_some() {
            return Err(DomainError::AlreadyOnHold);
        }
        self.held_since = Some(now);
        let event = SystemEvent::Held {
            by: Some(op.id.clone()),
            by_name: op.name.clone(),
        };
        Ok(vec![self.system(event, now)])
    }

    /// Takes the dialog off hold: an operator connected to it may.
    pub fn resume(&mut self, op: &Operator, now: Millis) -> Result<Vec<Message>, DomainError> {
        self.check_access(op)?;
        if !self.is_participant(&op.id) {
            return Err(DomainError::NotConnected);
        }
        if self.held_since.is_none() {
            return Err(DomainError::NotOnHold);
        }
        Ok(vec![self.resume_by(op, now)])
    }

    /// Ends the hold under way, adding its time to the total; how long it lasted.
    fn end_hold(&mut self, now: Millis) -> Millis {
        let held = self
            .held_since
            .take()
            .map_or(0, |since| (now - since).max(0));
        self.held_ms += held;
        held
    }

    /// The hold ends with nobody connected to resume it (a leave, a hand-back).
    fn unheld(&mut self, now: Millis) -> Message {
        let held_ms = self.end_hold(now);
        let event = SystemEvent::Resumed {
            by: None,
            by_name: String::new(),
            held_ms,
            total_held_ms: self.held_ms,
        };
        self.system(event, now)
    }

    fn resume_by(&mut self, op: &Operator, now: Millis) -> Message {
        let held_ms = self.end_hold(now);
        let event = SystemEvent::Resumed {
            by: Some(op.id.clone()),
            by_name: op.name.clone(),
            held_ms,
            total_held_ms: self.held_ms,
        };
        self.system(event, now)
    }

    fn reopen_by(&mut self, by: Option<OperatorId>, by_name: String, now: Millis) -> Message {
        self.status = DialogStatus::Open;
        self.closed_at = None;
        self.delete_at = None;
        self.opened_at = Some(now);
        self.first_reply_at = None;
        self.system(SystemEvent::Reopened { by, by_name }, now)
    }

    fn check_reply_to(&self, reply_to: Option<u64>) -> Result<(), DomainError> {
        match reply_to {
            Some(seq) if seq == 0 || seq > self.seq => Err(DomainError::Invalid(format!(
                "reply_to {seq} is not a message of this dialog"
            ))),
            _ => Ok(()),
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn system(&mut self, event: SystemEvent, now: Millis) -> Message {
        let text = event.describe();
        let seq = self.next_seq();
        // System messages need a client id too (it keys idempotency); the dialog and seq make it unique.
        let client_id = ClientMessageId::from_trusted(format!("sys-{}-{seq}", self.id));
        self.message(seq, client_id, Sender::System(event), text, None, now)
    }

    /// A visitor's or operator's message, which becomes the dialog's last one; the list shows its
    /// files when it has no text.
    fn append_content(
        &mut self,
        sender: Sender,
        client_id: ClientMessageId,
        content: Content,
        reply_to: Option<u64>,
        now: Millis,
    ) -> Message {
        let Content { text, attachments } = content;
        let seq = self.next_seq();
        let shown = if text.trim().is_empty() {
            Attachment::summary(&attachments)
        } else {
            text.clone()
        };
        self.last_activity = now;
        self.last_message = Some(LastMessage {
            seq,
            kind: sender.kind(),
            text: shown.chars().take(PREVIEW_CHARS).collect(),
            at: now,
        });
        let mut message = self.message(seq, client_id, sender, text, reply_to, now);
        message.attachments = attachments;
        message
    }

    fn message(
        &self,
        seq: u64,
        client_id: ClientMessageId,
        sender: Sender,
        text: String,
        reply_to: Option<u64>,
        now: Millis,
    ) -> Message {
        Message {
            id: MessageId::generate(),
            dialog_id: self.id.clone(),
            seq,
            client_id,
            sender,
            text,
            reply_to,
            attachments: Vec::new(),
            created_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OperatorStatus, Role};

    fn operator(name: &str, role: Role) -> Operator {
        crate::domain::testing::operator(name, role, OperatorStatus::Online)
    }

    fn visitor() -> Visitor {
        crate::domain::testing::visitor()
    }

    fn cid(s: &str) -> ClientMessageId {
        ClientMessageId::parse(s).unwrap()
    }

    #[test]
    fn visitor_message_rings_until_the_first_operator_joins() {
        let v = visitor();
        let (anna, boris) = (
            operator("Anna", Role::Operator),
            operator("Boris", Role::Operator),
        );
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hello", None, 2).unwrap();
        assert!(d.rings() && d.needs_answer);
        assert_eq!(d.waiting_since, Some(2));

        let events = d.join(&anna, 3).unwrap();
        assert!(matches!(
            events[0].event(),
            Some(SystemEvent::Joined { .. })
        ));
        assert!(!d.rings());
        assert_eq!(d.assignee.as_ref().unwrap().name, "Anna");

        d.join(&boris, 4).unwrap();
        assert_eq!(
            d.assignee.as_ref().unwrap().name,
            "Anna",
            "the first to connect stays in charge"
        );
        assert!(
            d.join(&boris, 5).unwrap().is_empty(),
            "joining twice adds nothing"
        );
        assert_eq!(d.participants.len(), 2);
    }

    #[test]
    fn a_blocked_dialog_takes_no_message_either_way_but_whispers() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        d.join(&anna, 3).unwrap();
        d.blocked = true;
        let before = d.clone();
        assert_eq!(
            d.visitor_message(&v, cid("c2"), "hello?", None, 4),
            Err(DomainError::ContactBlocked)
        );
        assert_eq!(
            d.operator_message(&anna, cid("c3"), "hello", None, 4),
            Err(DomainError::ContactBlocked)
        );
        assert_eq!(d, before, "a refused message changes nothing");
        d.whisper(&anna, cid("c4"), "blocked them".into(), None, 5)
            .unwrap();
        d.blocked = false;
        d.visitor_message(&v, cid("c2"), "hello?", None, 6).unwrap();
        d.operator_message(&anna, cid("c3"), "hello", None, 7)
            .unwrap();
    }

    #[test]
    fn leaving_hands_the_dialog_back_on_the_next_visitor_message() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        d.join(&anna, 3).unwrap();
        d.leave(&anna, 4).unwrap();
        assert!(d.assignee.is_none());
        assert!(!d.needs_answer, "not green until the visitor writes again");
        d.visitor_message(&v, cid("c2"), "anyone?", None, 5)
            .unwrap();
        assert!(d.rings());
    }

    #[test]
    fn operators_must_join_before_writing_and_an_answer_clears_waiting() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        assert_eq!(
            d.operator_message(&anna, cid("o1"), "hey", None, 3),
            Err(DomainError::NotConnected)
        );
        d.join(&anna, 3).unwrap();
        d.operator_message(&anna, cid("o1"), "hey", None, 4)
            .unwrap();
        assert_eq!(d.waiting_since, None);
    }

    #[test]
    fn a_dialog_closed_under_retention_is_due_until_it_reopens() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        d.join(&anna, 3).unwrap();
        d.close_keeping(&anna, 10, Some(2)).unwrap();
        assert_eq!(d.delete_at, Some(10 + 2 * 24 * 3600 * 1000));
        assert_eq!(
            d.close_keeping(&anna, 11, Some(2)),
            Err(DomainError::AlreadyClosed)
        );
        assert_eq!(
            d.delete_at,
            Some(10 + 2 * 24 * 3600 * 1000),
            "kept as it was"
        );
        d.visitor_message(&v, cid("c2"), "still there?", None, 12)
            .unwrap();
        assert_eq!(d.delete_at, None, "a message reopens it: kept again");
        d.close_keeping(&anna, 13, Some(1)).unwrap();
        d.reopen(&anna, 14).unwrap();
        assert_eq!(d.delete_at, None);
        d.close_keeping(&anna, 15, None).unwrap();
        assert_eq!(
            d.delete_at, None,
            "without retention a closed dialog is kept"
        );
    }

    #[test]
    fn a_message_from_either_side_reopens_a_closed_dialog() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        d.join(&anna, 3).unwrap();
        d.close(&anna, 4).unwrap();
        assert_eq!(d.close(&anna, 5), Err(DomainError::AlreadyClosed));
        let added = d
            .visitor_message(&v, cid("c2"), "one more thing", None, 6)
            .unwrap();
        assert_eq!(d.status, DialogStatus::Open);
        assert!(matches!(
            added[0].event(),
            Some(SystemEvent::Reopened { by: None, .. })
        ));
        assert_eq!(added[1].seq, added[0].seq + 1);

        d.close(&anna, 7).unwrap();
        let added = d
            .operator_message(&anna, cid("o1"), "follow-up", None, 8)
            .unwrap();
        assert_eq!(d.status, DialogStatus::Open);
        assert_eq!(added.len(), 2);
    }

    #[test]
    fn transfer_follows_the_seed_rules() {
        let v = visitor();
        let (anna, boris, carl) = (
            operator("Anna", Role::Operator),
            operator("Boris", Role::Operator),
            operator("Carl", Role::Operator),
        );
        let admin = operator("Ada", Role::Admin);
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        d.join(&anna, 3).unwrap();
        d.join(&carl, 3).unwrap();
        d.close(&anna, 4).unwrap();

        assert!(
            matches!(
                d.transfer(&carl, &boris, None, 5),
                Err(DomainError::Forbidden(_))
            ),
            "carl is not in charge"
        );
        let added = d
            .transfer(&anna, &boris, Some("VIP, be kind".into()), 6)
            .unwrap();
        assert!(
            !added[0].visible_to_visitor(),
            "the comment is for operators only"
        );
        assert_eq!(
            d.status,
            DialogStatus::Closed,
            "a closed dialog stays closed"
        );
        assert!(d.is_in_charge(&boris.id));
        assert!(
            matches!(d.check_access(&anna), Err(DomainError::Forbidden(_))),
            "anna loses the history"
        );
        assert!(d.check_access(&carl).is_ok());

        d.transfer(&admin, &anna, None, 7).unwrap();
        assert!(
            d.check_access(&anna).is_ok(),
            "transferred back: access returns"
        );
        let mut admin_in_charge = d.clone();
        admin_in_charge.transfer(&admin, &admin, None, 8).unwrap();
        admin_in_charge.transfer(&admin, &boris, None, 9).unwrap();
        assert!(
            admin_in_charge.check_access(&admin).is_ok(),
            "admins keep access"
        );
    }

    #[test]
    fn rights_decide_who_sees_a_colleagues_dialog_and_who_may_transfer_it() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let with = |name: &str, rights: &[Right]| Operator {
            rights: crate::domain::Rights::of(rights.iter().copied()),
            ..operator(name, Role::Operator)
        };
        let (solo, lead) = (with("Solo", &[]), with("Lead", &[Right::ReassignDialogs]));
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        assert!(d.check_access(&solo).is_ok(), "the queue is everyone's");
        d.join(&anna, 3).unwrap();
        assert_eq!(
            d.hidden_from(&solo.id, |r| solo.can(r)),
            Some(Hidden::ColleaguesDialog)
        );
        assert!(matches!(
            d.check_access(&solo),
            Err(DomainError::Forbidden(_))
        ));
        assert!(d.check_access(&anna).is_ok(), "Everyone's default sees it");
        assert!(matches!(
            d.transfer(&solo, &lead, None, 4),
            Err(DomainError::Forbidden(_))
        ));
        d.transfer(&lead, &solo, None, 5)
            .expect("reassigning is the group's right");
        assert!(d.check_access(&solo).is_ok(), "their own now");
        d.transfer(&solo, &lead, None, 6).unwrap();
        assert_eq!(
            d.hidden_from(&solo.id, |r| solo.can(r)),
            Some(Hidden::TransferredAway)
        );
        d.transfer(&lead, &anna, None, 7).unwrap();
        assert_eq!(
            d.hidden_from(&lead.id, |r| lead.can(r)),
            None,
            "who may reassign keeps seeing what they handed on"
        );
    }

    #[test]
    fn whispers_are_never_for_the_visitor_and_do_not_answer() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        let w = d
            .whisper(&anna, cid("w1"), "check the order".into(), None, 3)
            .unwrap();
        assert_eq!(w[0].kind(), MessageKind::Whisper);
        assert!(w[0].for_visitor(true).is_none());
        assert_eq!(d.waiting_since, Some(2));
        assert_eq!(d.last_message.as_ref().unwrap().kind, MessageKind::Visitor);
    }

    #[test]
    fn text_limits() {
        let v = visitor();
        let mut d = Dialog::start(&v, 1);
        let long = "я".repeat(2001);
        assert_eq!(
            d.visitor_message(&v, cid("c1"), long, None, 2),
            Err(DomainError::TextTooLong(2001))
        );
        assert_eq!(
            d.visitor_message(&v, cid("c1"), "  \n", None, 2),
            Err(DomainError::EmptyText)
        );
        assert!(
            d.visitor_message(&v, cid("c1"), "я".repeat(2000), None, 2)
                .is_ok()
        );
        assert_eq!(d.seq, 1, "rejected messages took no seq");
    }

    #[test]
    fn a_join_after_a_leave_is_news_to_operators_only_until_the_dialog_closes() {
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&visitor(), 1);
        let first = d.join(&anna, 2).unwrap();
        assert!(first[0].visible_to_visitor());
        d.leave(&anna, 3).unwrap();
        let again = d.join(&anna, 4).unwrap();
        assert!(matches!(
            again[0].event(),
            Some(SystemEvent::Joined { rejoined: true, .. })
        ));
        assert!(!again[0].visible_to_visitor());
        d.close(&anna, 5).unwrap();
        d.reopen(&anna, 6).unwrap();
        d.leave(&anna, 7).unwrap();
        assert!(
            d.join(&anna, 8).unwrap()[0].visible_to_visitor(),
            "told again after a close"
        );
    }

    #[test]
    fn a_deactivated_operators_dialog_goes_back_to_the_queue() {
        let v = visitor();
        let (anna, boris) = (
            operator("Anna", Role::Operator),
            operator("Boris", Role::Operator),
        );
        let admin = operator("Ada", Role::Admin);
        let mut alone = Dialog::start(&v, 1);
        alone.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        alone.join(&anna, 3).unwrap();
        alone
            .operator_message(&anna, cid("o1"), "hello", None, 4)
            .unwrap();
        let mut shared = alone.clone();
        shared.join(&boris, 5).unwrap();

        let added = alone
            .hand_back(&anna, HandBack::Deactivated(&admin), 6)
            .unwrap();
        assert!(alone.assignee.is_none() && alone.participants.is_empty());
        assert!(alone.rings(), "it rings again for available operators");
        assert!(matches!(
            added[0].event(),
            Some(SystemEvent::HandedBack { by_name, name, .. }) if by_name == "Ada" && name == "Anna"
        ));
        assert!(!added[0].visible_to_visitor(), "for operators only");
        assert!(
            alone
                .hand_back(&anna, HandBack::Deactivated(&admin), 7)
                .unwrap()
                .is_empty(),
            "once"
        );

        shared
            .hand_back(&anna, HandBack::Deactivated(&admin), 6)
            .unwrap();
        assert!(
            shared.is_in_charge(&boris.id),
            "the next one connected takes charge"
        );
        assert!(!shared.rings());

        let mut closed = Dialog::start(&v, 1);
        closed
            .visitor_message(&v, cid("c1"), "hi", None, 2)
            .unwrap();
        closed.join(&anna, 3).unwrap();
        closed.close(&anna, 4).unwrap();
        closed
            .hand_back(&anna, HandBack::Deactivated(&admin), 5)
            .unwrap();
        assert_eq!(
            closed.status,
            DialogStatus::Closed,
            "a closed dialog stays closed"
        );
        assert!(closed.assignee.is_none() && !closed.rings());

        let deactivated = Operator {
            active: false,
            ..boris.clone()
        };
        let mut d = Dialog::start(&v, 1);
        d.join(&anna, 2).unwrap();
        assert_eq!(
            d.transfer(&anna, &deactivated, None, 3),
            Err(DomainError::OperatorDeactivated)
        );
    }

    #[test]
    fn hold_is_for_who_is_connected_and_counts_its_time() {
        let v = visitor();
        let (anna, boris) = (
            operator("Anna", Role::Operator),
            operator("Boris", Role::Operator),
        );
        let mut d = Dialog::start(&v, 1);
        d.visitor_message(&v, cid("c1"), "hi", None, 2).unwrap();
        assert_eq!(d.hold(&anna, 3), Err(DomainError::NotConnected));
        d.join(&anna, 3).unwrap();
        assert_eq!(d.resume(&anna, 4), Err(DomainError::NotOnHold));

        let held = d.hold(&anna, 10).unwrap();
        assert_eq!(d.held_since, Some(10));
        assert!(held[0].visible_to_visitor(), "the visitor sees the hold");
        assert!(
            matches!(held[0].event(), Some(SystemEvent::Held { by_name, .. }) if by_name == "Anna")
        );
        assert_eq!(d.hold(&anna, 11), Err(DomainError::AlreadyOnHold));
        assert_eq!(d.resume(&boris, 12), Err(DomainError::NotConnected));

        let resumed = d.resume(&anna, 40).unwrap();
        assert_eq!(d.held_since, None);
        assert!(matches!(
            resumed[0].event(),
            Some(SystemEvent::Resumed {
                held_ms: 30,
                total_held_ms: 30,
                ..
            })
        ));
        assert!(resumed[0].visible_to_visitor());

        d.hold(&anna, 50).unwrap();
        let added = d
            .operator_message(&anna, cid("o1"), "back to you", None, 55)
            .unwrap();
        assert_eq!(added.len(), 2, "writing resumes first");
        assert!(matches!(
            added[0].event(),
            Some(SystemEvent::Resumed {
                held_ms: 5,
                total_held_ms: 35,
                ..
            })
        ));
        assert_eq!(added[1].kind(), MessageKind::Operator);
        assert_eq!((d.held_since, d.held_ms), (None, 35));

        d.whisper(&anna, cid("w1"), "brb".into(), None, 56).unwrap();
        d.hold(&anna, 60).unwrap();
        d.whisper(&anna, cid("w2"), "still away".into(), None, 61)
            .unwrap();
        assert_eq!(d.held_since, Some(60), "a whisper does not resume");
        d.visitor_message(&v, cid("c2"), "hello?", None, 62)
            .unwrap();
        assert_eq!(d.held_since, Some(60), "nor does the visitor");
        let closed = d.close(&anna, 70).unwrap();
        assert_eq!(
            (d.held_since, d.held_ms),
            (None, 45),
            "closing ends the hold"
        );
        assert_eq!(closed.len(), 1);
        assert_eq!(d.hold(&anna, 71), Err(DomainError::AlreadyClosed));
    }

    #[test]
    fn a_hold_ends_when_nobody_is_left_to_resume_it() {
        let (anna, boris) = (
            operator("Anna", Role::Operator),
            operator("Boris", Role::Operator),
        );
        let mut d = crate::domain::testing::waiting_dialog(&visitor());
        d.join(&anna, 3).unwrap();
        d.join(&boris, 4).unwrap();
        d.hold(&anna, 10).unwrap();
        let left = d.leave(&anna, 20).unwrap();
        assert_eq!(
            left.len(),
            1,
            "Boris is still there: the hold stays his to end"
        );
        assert_eq!(d.held_since, Some(10));
        let added = d.hand_back(&boris, HandBack::Offline, 30).unwrap();
        assert!(matches!(
            added[0].event(),
            Some(SystemEvent::WentOffline { .. })
        ));
        assert!(matches!(
            added[1].event(),
            Some(SystemEvent::Resumed {
                by: None,
                held_ms: 20,
                ..
            })
        ));
        assert_eq!(added[1].text, "The dialog is no longer on hold");
        assert!(added[1].visible_to_visitor(), "the widget's notice goes");
        assert_eq!((d.held_since, d.held_ms), (None, 20));
        assert!(
            d.needs_operator(),
            "it waits for an operator again, not on hold"
        );

        d.join(&anna, 40).unwrap();
        d.hold(&anna, 41).unwrap();
        let left = d.leave(&anna, 45).unwrap();
        assert_eq!(left.len(), 2);
        assert_eq!(d.held_since, None);
    }

    #[test]
    fn a_visitor_sees_a_hold_without_names_where_the_site_hides_them() {
        let v = visitor();
        let anna = operator("Anna", Role::Operator);
        let mut d = Dialog::start(&v, 1);
        d.join(&anna, 2).unwrap();
        let held = d.hold(&anna, 3).unwrap().remove(0);
        let copy = held.for_visitor(false).unwrap();
        assert_eq!(copy.text, "The dialog is on hold");
        assert!(matches!(
            copy.event(),
            Some(SystemEvent::Held { by: None, .. })
        ));
        let resumed = d.resume(&anna, 4).unwrap().remove(0);
        assert_eq!(
            resumed.for_visitor(false).unwrap().text,
            "The dialog is no longer on hold"
        );
        assert_eq!(
            resumed.for_visitor(true).unwrap().text,
            "Anna took the dialog off hold"
        );
    }

    #[test]
    fn an_absent_operators_dialog_rings_again_when_the_visitor_waits() {
        let v = visitor();
        let (anna, boris) = (
            operator("Anna", Role::Operator),
            operator("Boris", Role::Operator),
        );
        let mut answered = Dialog::start(&v, 1);
        answered
            .visitor_message(&v, cid("c1"), "hi", None, 2)
            .unwrap();
        answered.join(&anna, 3).unwrap();
        answered
            .operator_message(&anna, cid("o1"), "hello", None, 4)
            .unwrap();
        let mut waiting = answered.clone();
        waiting
            .visitor_message(&v, cid("c2"), "still there?", None, 5)
            .unwrap();
        let mut shared = answered.clone();
        shared.join(&boris, 5).unwrap();

        let added = answered.hand_back(&anna, HandBack::Offline, 6).unwrap();
        assert!(answered.assignee.is_none() && answered.participants.is_empty());
        assert!(
            !answered.rings(),
            "nobody waits: quiet until the visitor writes"
        );
        assert_eq!(added[0].text, "Anna left: offline");
        assert!(!added[0].visible_to_visitor(), "for operators only");
        answered
            .visitor_message(&v, cid("c3"), "hello?", None, 7)
            .unwrap();
        assert!(answered.rings(), "the visitor's next message rings");

        waiting.hand_back(&anna, HandBack::Offline, 6).unwrap();
        assert!(waiting.rings(), "a visitor already waiting rings at once");

        shared.hand_back(&anna, HandBack::Offline, 6).unwrap();
        assert!(shared.is_in_charge(&boris.id) && !shared.rings());
    }
}
