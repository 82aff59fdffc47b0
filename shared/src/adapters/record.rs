//! Records: the stored form of what the domain holds in another shape. Both stores write a
//! record's fields as they are (SQLite as a row's JSON body, DynamoDB as an item's attributes), so
//! the stored shape is written down here, apart from the domain's types: a change to the domain
//! cannot silently change what is stored, and what is stored reads back the same way in both.

use serde::{Deserialize, Serialize};

use crate::domain::{Attachment, Message, Millis, Sender, SystemEvent};
use crate::ids::{ClientMessageId, DialogId, MessageId, OperatorId, VisitorId};

/// A stored message: the sender laid out flat beside the rest (`kind`, `author_id`,
/// `author_name`, `event`), as messages have always been stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    id: MessageId,
    dialog_id: DialogId,
    seq: u64,
    client_id: ClientMessageId,
    #[serde(flatten)]
    sender: SenderRecord,
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_to: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
    created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SenderRecord {
    Visitor {
        author_id: VisitorId,
        author_name: String,
    },
    Operator {
        author_id: OperatorId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author_name: Option<String>,
    },
    Whisper {
        author_id: OperatorId,
        author_name: String,
    },
    System {
        event: SystemEvent,
    },
}

impl From<&Message> for MessageRecord {
    fn from(m: &Message) -> Self {
        let sender = match m.sender.clone() {
            Sender::Visitor { id, name } => SenderRecord::Visitor {
                author_id: id,
                author_name: name,
            },
            Sender::Operator { id, name } => SenderRecord::Operator {
                author_id: id,
                author_name: name,
            },
            Sender::Whisper { id, name } => SenderRecord::Whisper {
                author_id: id,
                author_name: name,
            },
            Sender::System(event) => SenderRecord::System { event },
        };
        Self {
            id: m.id.clone(),
            dialog_id: m.dialog_id.clone(),
            seq: m.seq,
            client_id: m.client_id.clone(),
            sender,
            text: m.text.clone(),
            reply_to: m.reply_to,
            attachments: m.attachments.clone(),
            created_at: m.created_at,
        }
    }
}

impl From<MessageRecord> for Message {
    fn from(r: MessageRecord) -> Self {
        let sender = match r.sender {
            SenderRecord::Visitor {
                author_id,
                author_name,
            } => Sender::Visitor {
                id: author_id,
                name: author_name,
            },
            SenderRecord::Operator {
                author_id,
                author_name,
            } => Sender::Operator {
                id: author_id,
                name: author_name,
            },
            SenderRecord::Whisper {
                author_id,
                author_name,
            } => Sender::Whisper {
                id: author_id,
                name: author_name,
            },
            SenderRecord::System { event } => Sender::System(event),
        };
        Self {
            id: r.id,
            dialog_id: r.dialog_id,
            seq: r.seq,
            client_id: r.client_id,
            sender,
            text: r.text,
            reply_to: r.reply_to,
            attachments: r.attachments,
            created_at: r.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Messages stored before records existed must read back: the stored shape is fixed.
    #[test]
    fn the_stored_shape_is_the_one_messages_always_had() {
        let stored = [
            json!({"id": "msg_1", "dialog_id": "dlg_1", "seq": 1, "client_id": "c1",
                   "kind": "visitor", "author_id": "vis_1", "author_name": "Vera",
                   "text": "hi", "created_at": 5}),
            json!({"id": "msg_2", "dialog_id": "dlg_1", "seq": 2, "client_id": "sys-dlg_1-2",
                   "kind": "system", "text": "Anna joined the dialog",
                   "event": {"event": "joined", "operator": "op_1", "name": "Anna"},
                   "created_at": 6}),
            json!({"id": "msg_3", "dialog_id": "dlg_1", "seq": 3, "client_id": "c3",
                   "kind": "operator", "author_id": "op_1", "author_name": "Anna",
                   "text": "hello", "reply_to": 1, "created_at": 7}),
            json!({"id": "msg_4", "dialog_id": "dlg_1", "seq": 4, "client_id": "c4",
                   "kind": "whisper", "author_id": "op_1", "author_name": "Anna",
                   "text": "VIP", "created_at": 8}),
        ];
        for raw in stored {
            let record: MessageRecord = serde_json::from_value(raw.clone()).unwrap();
            let message = Message::from(record);
            let again = serde_json::to_value(MessageRecord::from(&message)).unwrap();
            assert_eq!(again, raw, "{} changed its stored shape", message.seq);
        }
        let joined: MessageRecord = serde_json::from_value(json!({
            "id": "msg_2", "dialog_id": "dlg_1", "seq": 2, "client_id": "x", "kind": "system",
            "text": "t", "event": {"event": "joined", "operator": "op_1", "name": "Anna"},
            "created_at": 6
        }))
        .unwrap();
        assert!(matches!(
            Message::from(joined).sender,
            Sender::System(SystemEvent::Joined { .. })
        ));
    }

    #[test]
    fn a_system_message_without_its_event_is_refused() {
        let broken = json!({"id": "msg_2", "dialog_id": "dlg_1", "seq": 2, "client_id": "x",
                            "kind": "system", "text": "t", "created_at": 6});
        assert!(serde_json::from_value::<MessageRecord>(broken).is_err());
    }
}
