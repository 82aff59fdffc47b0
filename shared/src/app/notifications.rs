//! Web Push notifications: operators subscribe their browsers and choose what to be pushed; new
//! dialogs, transfers to them and visitors' messages in their dialogs are pushed to them while no
//! console tab of theirs is open (no live connection record). Sent by Parlor itself, from the
//! function that handles the event (locally, the gateway).

use std::sync::Arc;

use super::{AppError, AppResult};
use crate::domain::{
    Connection, Dialog, MAX_ENDPOINT_CHARS, Message, Operator, Peer, PushChoices, PushReason,
    PushSubscriber, PushSubscription,
};
use crate::ids::OperatorId;
use crate::ports::{Clock, PushError, PushSubscriptionStore, WebPush};
use serde::{Deserialize, Serialize};

/// How much of a message a push shows.
pub const PUSH_BODY_CHARS: usize = 120;
/// A push not delivered within this time is dropped by the push service: by then the console has
/// been opened, or the news is old.
pub const PUSH_TTL_SECS: u32 = 3600;
/// The most browsers one operator may subscribe.
pub const MAX_PUSH_SUBSCRIPTIONS: usize = 10;

/// What the console's settings show: the key to subscribe with (absent when this server sends no
/// pushes), the operator's choices and the browsers they subscribed.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct PushSettings {
    /// The VAPID public key, base64url: `applicationServerKey` for `pushManager.subscribe`.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    pub choices: PushChoices,
    /// The push endpoints of the operator's subscribed browsers.
    pub endpoints: Vec<String>,
}

/// A browser's subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct NewPushSubscription {
    pub endpoint: String,
    pub keys: PushKeys,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct PushKeys {
    pub p256dh: String,
    pub auth: String,
}

/// What a push carries to the service worker: small, so it fits any push service's limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct PushPayload {
    /// `dialog.created`, `dialog.transferred` or `message.created`.
    pub kind: String,
    pub title: String,
    /// The message's text (or the transfer's comment), cut to `PUSH_BODY_CHARS`.
    pub body: String,
    /// The dialog to open when the notification is clicked.
    pub dialog_id: String,
}

/// Operators' Web Push: subscriptions, choices, and the pushes themselves.
pub struct Notifications {
    subscriptions: Arc<dyn PushSubscriptionStore>,
    /// Absent when this process has no VAPID key: nothing is pushed and subscribing is refused.
    web_push: Option<Arc<dyn WebPush>>,
    clock: Arc<dyn Clock>,
}

impl Notifications {
    pub(super) fn new(
        subscriptions: Arc<dyn PushSubscriptionStore>,
        web_push: Option<Arc<dyn WebPush>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            subscriptions,
            web_push,
            clock,
        }
    }

    fn unavailable() -> AppError {
        AppError::PushUnavailable
    }

    pub async fn settings(&self, op: &Operator) -> AppResult<PushSettings> {
        let mine = self
            .subscriptions
            .push_subscriber(&op.workspace, &op.id)
            .await?;
        Ok(PushSettings {
            public_key: self.web_push.as_ref().map(|w| w.public_key().to_owned()),
            choices: mine.choices,
            endpoints: mine.subscriptions.into_iter().map(|s| s.endpoint).collect(),
        })
    }

    pub async fn subscribe(
        &self,
        op: &Operator,
        new: NewPushSubscription,
    ) -> AppResult<PushSettings> {
        let web_push = self.web_push.as_ref().ok_or_else(Self::unavailable)?;
        if new.endpoint.chars().count() > MAX_ENDPOINT_CHARS {
            return Err(AppError::Invalid(format!(
                "a push endpoint is at most {MAX_ENDPOINT_CHARS} characters"
            )));
        }
        web_push
            .check_endpoint(&new.endpoint)
            .map_err(AppError::Invalid)?;
        crate::adapters::webpush::ReceiverKeys::parse(&new.keys.p256dh, &new.keys.auth)
            .map_err(AppError::Invalid)?;
        let mine = self
            .subscriptions
            .push_subscriber(&op.workspace, &op.id)
            .await?;
        let again = mine
            .subscriptions
            .iter()
            .any(|s| s.endpoint == new.endpoint);
        if !again && mine.subscriptions.len() >= MAX_PUSH_SUBSCRIPTIONS {
            return Err(AppError::Invalid(format!(
                "at most {MAX_PUSH_SUBSCRIPTIONS} browsers receive pushes; unsubscribe one first"
            )));
        }
        self.subscriptions
            .put_push_subscription(&PushSubscription {
                workspace: op.workspace.clone(),
                operator: op.id.clone(),
                endpoint: new.endpoint,
                p256dh: new.keys.p256dh,
                auth: new.keys.auth,
                created_at: self.clock.now(),
            })
            .await?;
        self.settings(op).await
    }

    pub async fn unsubscribe(&self, op: &Operator, endpoint: &str) -> AppResult<()> {
        self.subscriptions
            .delete_push_subscription(&op.workspace, &op.id, endpoint)
            .await?;
        Ok(())
    }

    pub async fn choose(&self, op: &Operator, choices: PushChoices) -> AppResult<PushSettings> {
        self.subscriptions
            .put_push_choices(&op.workspace, &op.id, &choices)
            .await?;
        self.settings(op).await
    }

    /// A visitor's message: the dialog it created to every operator who wants new dialogs, or a
    /// message in an existing one to the operators in charge of or connected to it; each only
    /// while no console tab of theirs is open. `operators` are the workspace's operator
    /// connections, as the caller read them for its own posts.
    pub(crate) async fn visitor_wrote(
        &self,
        dialog: &Dialog,
        message: &Message,
        created: bool,
        operators: &[Connection],
    ) {
        if self.web_push.is_none() {
            return;
        }
        let result = if created {
            let payload = payload(PushReason::NewDialog, dialog, &message.text);
            match self.subscriptions.push_subscribers(&dialog.workspace).await {
                Ok(all) => {
                    let to = without_tabs(all, operators, PushReason::NewDialog, dialog);
                    self.send(&to, &payload, dialog).await;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        } else {
            let payload = payload(PushReason::Message, dialog, &message.text);
            self.push_to(
                &in_the_dialog(dialog),
                PushReason::Message,
                &payload,
                dialog,
                operators,
            )
            .await
        };
        if let Err(e) = result {
            tracing::warn!(dialog_id = %dialog.id, error = %e, "push subscriptions not read");
        }
    }

    /// A transfer: to the operator it went to, unless a tab of theirs is open.
    pub(crate) async fn transferred(
        &self,
        dialog: &Dialog,
        to: &OperatorId,
        comment: Option<&str>,
        operators: &[Connection],
    ) {
        if self.web_push.is_none() {
            return;
        }
        let text = comment
            .filter(|c| !c.trim().is_empty())
            .map(str::to_owned)
            .or_else(|| dialog.last_message.as_ref().map(|m| m.text.clone()))
            .unwrap_or_default();
        let payload = payload(PushReason::Transfer, dialog, &text);
        let pushed = self
            .push_to(
                std::slice::from_ref(to),
                PushReason::Transfer,
                &payload,
                dialog,
                operators,
            )
            .await;
        if let Err(e) = pushed {
            tracing::warn!(dialog_id = %dialog.id, error = %e, "push subscriptions not read");
        }
    }

    /// Reads the subscriptions of those of `ids` without a tab (one read each, at once) and
    /// pushes to those who want `reason`.
    async fn push_to(
        &self,
        ids: &[OperatorId],
        reason: PushReason,
        payload: &PushPayload,
        dialog: &Dialog,
        operators: &[Connection],
    ) -> Result<(), crate::ports::StoreError> {
        let away: Vec<&OperatorId> = ids.iter().filter(|id| !has_tab(operators, id)).collect();
        if away.is_empty() {
            return Ok(());
        }
        let reads = away
            .iter()
            .map(|id| self.subscriptions.push_subscriber(&dialog.workspace, id));
        let mut subscribers = Vec::new();
        for read in futures_util::future::join_all(reads).await {
            subscribers.push(read?);
        }
        let to = without_tabs(subscribers, operators, reason, dialog);
        self.send(&to, payload, dialog).await;
        Ok(())
    }

    /// Sends to every subscription at once. A push service answering 404 or 410 has ended the
    /// subscription: it is deleted. Other failures are logged; nothing is retried.
    async fn send(&self, to: &[PushSubscription], payload: &PushPayload, dialog: &Dialog) {
        let Some(web_push) = &self.web_push else {
            return;
        };
        if to.is_empty() {
            return;
        }
        let body = serde_json::to_vec(payload).expect("a payload serializes");
        let topic = topic_of(dialog);
        let sends = to.iter().map(|s| {
            let (body, topic) = (&body, &topic);
            async move {
                match web_push.send(s, body, PUSH_TTL_SECS, Some(topic)).await {
                    Ok(()) => {
                        tracing::info!(operator_id = %s.operator, dialog_id = %dialog.id, kind = %payload.kind, "push.sent");
                    }
                    Err(PushError::Gone) => {
                        tracing::info!(operator_id = %s.operator, "push subscription gone");
                        if let Err(e) = self
                            .subscriptions
                            .delete_push_subscription(&s.workspace, &s.operator, &s.endpoint)
                            .await
                        {
                            tracing::warn!(operator_id = %s.operator, error = %e, "gone push subscription not deleted");
                        }
                    }
                    Err(PushError::Failed(e)) => {
                        tracing::warn!(operator_id = %s.operator, error = %e, "push failed");
                    }
                }
            }
        });
        futures_util::future::join_all(sends).await;
    }
}

/// Whether a console tab of this operator is open: a live connection record of theirs.
fn has_tab(operators: &[Connection], id: &OperatorId) -> bool {
    operators
        .iter()
        .any(|c| matches!(&c.peer, Peer::Operator { id: o, .. } if o == id))
}

/// The operators a message in the dialog is pushed to: the one in charge and those connected.
fn in_the_dialog(dialog: &Dialog) -> Vec<OperatorId> {
    let mut ids: Vec<OperatorId> = dialog.assignee.iter().map(|a| a.id.clone()).collect();
    for p in &dialog.participants {
        if !ids.contains(&p.id) {
            ids.push(p.id.clone());
        }
    }
    ids
}

/// The subscriptions to push to: of subscribers who want `reason`, have no tab open and may see
/// the dialog (not transferred away from them).
fn without_tabs(
    subscribers: Vec<PushSubscriber>,
    operators: &[Connection],
    reason: PushReason,
    dialog: &Dialog,
) -> Vec<PushSubscription> {
    subscribers
        .into_iter()
        .filter(|s| {
            s.choices.wants(reason)
                && !has_tab(operators, &s.operator)
                && !dialog.revoked.contains(&s.operator)
        })
        .flat_map(|s| s.subscriptions)
        .collect()
}

fn cut(text: &str, chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(chars - 1).collect();
    short.push('…');
    short
}

fn payload(reason: PushReason, dialog: &Dialog, text: &str) -> PushPayload {
    let who = cut(&dialog.visitor_name, 60);
    let (kind, title) = match reason {
        PushReason::NewDialog => ("dialog.created", format!("New dialog: {who}")),
        PushReason::Transfer => ("dialog.transferred", format!("Transferred to you: {who}")),
        PushReason::Message => ("message.created", who),
    };
    let body = if text.trim().is_empty() {
        "(a file)".to_owned()
    } else {
        cut(text, PUSH_BODY_CHARS)
    };
    PushPayload {
        kind: kind.into(),
        title,
        body,
        dialog_id: dialog.id.to_string(),
    }
}

/// A push service keeps only the newest undelivered push of a topic: one topic per dialog, 32
/// base64url characters (RFC 8030's limit) derived from its id.
fn topic_of(dialog: &Dialog) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(dialog.id.as_str().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..24])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::operator;
    use crate::domain::{OperatorStatus, Role};
    use crate::ids::WorkspaceId;

    fn tab(op: &Operator) -> Connection {
        crate::domain::testing::operator_tab(op, "tab")
    }

    fn subscriber(op: &Operator, choices: PushChoices) -> PushSubscriber {
        PushSubscriber {
            operator: op.id.clone(),
            choices,
            subscriptions: vec![PushSubscription {
                workspace: WorkspaceId::from_trusted("w"),
                operator: op.id.clone(),
                endpoint: format!("https://push.example/{}", op.name),
                p256dh: String::new(),
                auth: String::new(),
                created_at: 0,
            }],
        }
    }

    fn endpoints(to: &[PushSubscription]) -> Vec<&str> {
        to.iter().map(|s| s.endpoint.as_str()).collect()
    }

    #[test]
    fn only_operators_without_a_tab_who_want_it_are_pushed() {
        let vera = crate::domain::testing::visitor();
        let anna = operator("anna", Role::Operator, OperatorStatus::Online);
        let boris = operator("boris", Role::Operator, OperatorStatus::Online);
        let carl = operator("carl", Role::Operator, OperatorStatus::Away);
        let mut dialog = Dialog::start(&vera, 1);
        let no_new = PushChoices {
            new_dialogs: false,
            ..PushChoices::default()
        };
        let subscribers = vec![
            subscriber(&anna, PushChoices::default()),
            subscriber(&boris, PushChoices::default()),
            subscriber(&carl, no_new),
        ];
        let to = without_tabs(
            subscribers.clone(),
            &[tab(&boris)],
            PushReason::NewDialog,
            &dialog,
        );
        assert_eq!(endpoints(&to), ["https://push.example/anna"]);
        // Taken away from Anna by a transfer: she is not told of it any more.
        dialog.revoked.push(anna.id.clone());
        assert!(
            without_tabs(subscribers, &[tab(&boris)], PushReason::Message, &dialog)
                .iter()
                .all(|s| s.operator != anna.id)
        );
    }

    #[test]
    fn a_message_goes_to_the_one_in_charge_and_those_connected() {
        let vera = crate::domain::testing::visitor();
        let anna = operator("anna", Role::Operator, OperatorStatus::Online);
        let boris = operator("boris", Role::Operator, OperatorStatus::Online);
        let mut dialog = crate::domain::testing::waiting_dialog(&vera);
        assert!(in_the_dialog(&dialog).is_empty(), "nobody took it yet");
        dialog.join(&anna, 3).unwrap();
        dialog.join(&boris, 4).unwrap();
        assert_eq!(in_the_dialog(&dialog), [anna.id.clone(), boris.id.clone()]);
    }

    #[test]
    fn the_payload_is_small_and_names_the_dialog() {
        let vera = crate::domain::testing::visitor();
        let dialog = Dialog::start(&vera, 1);
        let long = "x".repeat(3000);
        let p = payload(PushReason::Message, &dialog, &long);
        assert_eq!(p.body.chars().count(), PUSH_BODY_CHARS);
        assert!(p.body.ends_with('…'));
        assert_eq!(p.dialog_id, dialog.id.to_string());
        assert!(serde_json::to_vec(&p).unwrap().len() < 1024);
        assert_eq!(payload(PushReason::NewDialog, &dialog, "").body, "(a file)");
        let topic = topic_of(&dialog);
        assert_eq!(topic.len(), 32);
        assert!(
            topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }
}
