//! Who hears of what: the one recipient rule, as Chatwoot's listener decides it per event. Pure:
//! given what happened, the dialog, the connections that could hear of it and the site's settings,
//! it returns the posts; the use-cases read the connections (one query each) and deliver.
//!
//! The rule:
//! - operators see a dialog unless it was transferred away from them (unless their rights let them
//!   reassign dialogs) or a colleague is in charge of it (unless they may see colleagues' dialogs,
//!   as "Everyone" may by default); every one of them hears of its messages and changes, since
//!   every sidebar moves, and one who stops seeing it hears `dialog.removed`;
//! - typing and read receipts go only to the operators connected to the dialog (and the visitor);
//! - the visitor hears of what is theirs to see: never a whisper or an operator's private timeline
//!   event, and operators' names only where the site shows them;
//! - the connection a change came from is answered by its ack, not told again.

use super::{Post, dialog_view, view};
use crate::domain::{
    Connection, Dialog, Hidden, Message, MessageKind, OperatorStatus, Peer, Receipt, Receipts, Side,
};
use crate::ids::{ConnectionId, OperatorId};
use crate::protocol::ServerEvent;

/// The connections that could hear of a change to one dialog.
pub(crate) struct Listeners<'a> {
    pub dialog: &'a Dialog,
    /// Every operator connection of the workspace.
    pub operators: &'a [Connection],
    /// The visitor's tabs.
    pub visitor: &'a [Connection],
    /// The connection the change came from.
    pub sender: Option<&'a ConnectionId>,
}

impl<'a> Listeners<'a> {
    /// The workspace's operator connections, for a change to `dialog` from `sender`.
    pub fn operators_of(
        dialog: &'a Dialog,
        operators: &'a [Connection],
        sender: Option<&'a ConnectionId>,
    ) -> Self {
        Self {
            dialog,
            operators,
            visitor: &[],
            sender,
        }
    }

    /// The visitor's tabs, for a change to `dialog` from `sender`.
    pub fn tabs_of(
        dialog: &'a Dialog,
        tabs: &'a [Connection],
        sender: Option<&'a ConnectionId>,
    ) -> Self {
        Self {
            dialog,
            operators: &[],
            visitor: tabs,
            sender,
        }
    }

    fn not_sender(&self, c: &Connection) -> bool {
        Some(&c.id) != self.sender
    }

    /// Operator connections that may see the dialog, but the sender's.
    pub fn operators(&self) -> impl Iterator<Item = &'a Connection> + '_ {
        self.operators
            .iter()
            .filter(|c| self.not_sender(c) && may_see(self.dialog, c))
    }

    /// Of those, the connections of operators connected to the dialog.
    pub fn participants(&self) -> impl Iterator<Item = &'a Connection> + '_ {
        self.operators().filter(
            |c| matches!(&c.peer, Peer::Operator { id, .. } if self.dialog.is_participant(id)),
        )
    }

    /// The visitor's tabs, but the sender's.
    pub fn tabs(&self) -> impl Iterator<Item = &'a Connection> + '_ {
        self.visitor.iter().filter(|c| self.not_sender(c))
    }
}

/// Whether this operator connection may see the dialog.
pub(crate) fn may_see(dialog: &Dialog, c: &Connection) -> bool {
    hidden_from(dialog, c).is_none() && matches!(c.peer, Peer::Operator { .. })
}

/// Why this operator connection may not see the dialog (`Dialog::hidden_from`, with the rights
/// the connection carries).
fn hidden_from(dialog: &Dialog, c: &Connection) -> Option<Hidden> {
    match &c.peer {
        Peer::Operator { id, .. } => dialog.hidden_from(id, |right| c.peer.can(right)),
        Peer::Visitor { .. } => None,
    }
}

/// Whether the dialog rings for this operator connection: only for operators who are online.
pub(crate) fn rings_for(dialog: &Dialog, c: &Connection) -> bool {
    dialog.rings()
        && matches!(
            c.peer,
            Peer::Operator {
                status: OperatorStatus::Online,
                ..
            }
        )
}

/// Whether `added` hands the dialog to this connection's operator (a transfer to them, or
/// automatic distribution) while they are online: it rings for them as a new dialog does.
fn handed_to(added: &[Message], c: &Connection) -> bool {
    let Peer::Operator {
        id,
        status: OperatorStatus::Online,
        ..
    } = &c.peer
    else {
        return false;
    };
    use crate::domain::SystemEvent::{Joined, Transferred};
    added.iter().any(|m| match m.event() {
        Some(Transferred { to, .. }) => to == id,
        Some(Joined {
            operator,
            assigned: true,
            ..
        }) => operator == id,
        _ => false,
    })
}

fn to<'c>(connections: impl Iterator<Item = &'c Connection>, event: &ServerEvent) -> Vec<Post> {
    connections.map(|c| Post::new(&c.id, event)).collect()
}

/// A message (a visitor's, an operator's or a whisper) and the timeline events it added, to every
/// operator who may see the dialog: `dialog.created` for the message that started it, else
/// `message.created`, and `dialog.updated` for a timeline event; each rings for online operators
/// while the dialog waits for one.
pub(crate) fn message_to_operators(
    l: &Listeners,
    added: &[Message],
    receipts: &Receipts,
    created: bool,
) -> Vec<Post> {
    let dialog = l.dialog;
    let mut posts = Vec::new();
    for c in l.operators() {
        let ring = rings_for(dialog, c);
        for m in added {
            let event = if created {
                ServerEvent::DialogCreated {
                    dialog: dialog_view(dialog),
                    message: view(m, receipts),
                    ring,
                }
            } else if m.kind() == MessageKind::System {
                ServerEvent::DialogUpdated {
                    dialog: dialog_view(dialog),
                    ring,
                    event: Some(view(m, receipts)),
                }
            } else {
                ServerEvent::MessageCreated {
                    message: view(m, receipts),
                    dialog: Some(dialog_view(dialog)),
                    ring: Some(ring),
                }
            };
            posts.push(Post::new(&c.id, &event));
        }
    }
    posts
}

/// The visitor's copies of `added`, to each of the visitor's tabs: what is theirs to see, with
/// operators' names only if `names` (the site shows them).
pub(crate) fn message_to_visitor(
    l: &Listeners,
    added: &[Message],
    receipts: &Receipts,
    names: bool,
) -> Vec<Post> {
    let copies: Vec<ServerEvent> = added
        .iter()
        .filter_map(|m| m.for_visitor(names))
        .map(|m| ServerEvent::MessageCreated {
            message: view(&m, receipts),
            dialog: None,
            ring: None,
        })
        .collect();
    l.tabs()
        .flat_map(|tab| copies.iter().map(|e| Post::new(&tab.id, e)))
        .collect()
}

/// Timeline changes (join, leave, transfer, close, reopen), to every operator who may see the
/// dialog as `dialog.updated`; to those in `lost`, from whom it was just transferred away,
/// `dialog.removed`.
pub(crate) fn change_to_operators(
    l: &Listeners,
    added: &[Message],
    receipts: &Receipts,
    lost: &[OperatorId],
) -> Vec<Post> {
    let dialog = l.dialog;
    let mut posts = Vec::new();
    for c in l.operators.iter().filter(|c| l.not_sender(c)) {
        let Peer::Operator { id, .. } = &c.peer else {
            continue;
        };
        if let Some(hidden) = hidden_from(dialog, c) {
            // Gone for those it was just transferred away from, and for those who may not see
            // colleagues' dialogs once a colleague is in charge: their lists drop it.
            if lost.contains(id) || hidden == Hidden::ColleaguesDialog {
                posts.push(Post::new(
                    &c.id,
                    &ServerEvent::DialogRemoved {
                        dialog_id: dialog.id.clone(),
                    },
                ));
            }
            continue;
        }
        let ring = rings_for(dialog, c) || handed_to(added, c);
        for m in added {
            let event = ServerEvent::DialogUpdated {
                dialog: dialog_view(dialog),
                ring,
                event: Some(view(m, receipts)),
            };
            posts.push(Post::new(&c.id, &event));
        }
    }
    posts
}

/// Someone is typing (or stopped): the visitor to the operators connected to the dialog; an
/// operator to the others connected and to the visitor, named as the site shows names.
pub(crate) fn typing(
    l: &Listeners,
    side: Side,
    operator_name: Option<&str>,
    typing: bool,
    names: bool,
) -> Vec<Post> {
    let id = l.dialog.id.clone();
    match side {
        Side::Visitor => to(
            l.participants(),
            &ServerEvent::Typing {
                dialog_id: id,
                side,
                name: None,
                typing,
            },
        ),
        Side::Operators => {
            let name = operator_name.map(str::to_owned);
            let mut posts = to(
                l.participants(),
                &ServerEvent::Typing {
                    dialog_id: id.clone(),
                    side,
                    name: name.clone(),
                    typing,
                },
            );
            let shown = if names { name } else { None };
            posts.extend(to(
                l.tabs(),
                &ServerEvent::Typing {
                    dialog_id: id,
                    side,
                    name: shown,
                    typing,
                },
            ));
            posts
        }
    }
}

/// `side` has delivered or read up to `up_to`: the other side's writers hear of it (the operators
/// connected to the dialog, or the visitor's tabs).
pub(crate) fn receipt(l: &Listeners, side: Side, status: Receipt, up_to: u64) -> Vec<Post> {
    let event = ServerEvent::MessageStatus {
        dialog_id: l.dialog.id.clone(),
        side,
        status,
        up_to,
    };
    match side {
        Side::Visitor => to(l.participants(), &event),
        Side::Operators => to(l.tabs(), &event),
    }
}

/// To one operator's other tabs (their own read state, so every tab shows the same count).
pub(crate) fn own_tabs(
    operator: &OperatorId,
    operators: &[Connection],
    sender: &ConnectionId,
    event: &ServerEvent,
) -> Vec<Post> {
    to(
        operators.iter().filter(|c| {
            &c.id != sender && matches!(&c.peer, Peer::Operator { id, .. } if id == operator)
        }),
        event,
    )
}

/// The page a visitor has open, to the operators who may see the visitor's dialog (all of them
/// until there is one).
pub(crate) fn visitor_page(
    dialog: Option<&Dialog>,
    operators: &[Connection],
    event: &ServerEvent,
) -> Vec<Post> {
    to(
        operators
            .iter()
            .filter(|c| dialog.is_none_or(|d| may_see(d, c))),
        event,
    )
}

/// Deleted dialogs, to each operator connection that could see any of them: the ids it could see
/// (`dialog.deleted`), so that no console learns of a dialog it was never shown.
pub(crate) fn deleted(operators: &[Connection], dialogs: &[Dialog]) -> Vec<Post> {
    operators
        .iter()
        .filter_map(|c| {
            let dialog_ids: Vec<_> = dialogs
                .iter()
                .filter(|d| may_see(d, c))
                .map(|d| d.id.clone())
                .collect();
            (!dialog_ids.is_empty())
                .then(|| Post::new(&c.id, &ServerEvent::DialogsDeleted { dialog_ids }))
        })
        .collect()
}

/// A change to a contact, to every operator connection that may see one of its dialogs, or, for
/// a contact without dialogs, that may see colleagues' dialogs.
pub(crate) fn contact(
    dialogs: &[Dialog],
    operators: &[Connection],
    event: &ServerEvent,
) -> Vec<Post> {
    to(
        operators.iter().filter(|c| {
            if dialogs.is_empty() {
                c.peer.can(crate::domain::Right::SeeColleaguesDialogs)
                    || c.peer.can(crate::domain::Right::ReassignDialogs)
            } else {
                dialogs.iter().any(|d| may_see(d, c))
            }
        }),
        event,
    )
}

/// To every operator connection of the workspace: an operator's status.
pub(crate) fn workspace(operators: &[Connection], event: &ServerEvent) -> Vec<Post> {
    to(operators.iter(), event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Content, Operator, Role, VisitedPage, Visitor};
    use crate::ids::ClientMessageId;

    use crate::domain::testing::operator;

    fn tab(op: &Operator, n: u8) -> Connection {
        crate::domain::testing::operator_tab(op, &n.to_string())
    }

    fn visitor_tab(v: &Visitor, n: u8) -> Connection {
        Connection {
            id: ConnectionId::from_trusted(format!("vera-{n}")),
            workspace: v.workspace.clone(),
            peer: Peer::Visitor {
                id: v.id.clone(),
                site: v.site.clone(),
            },
            connected_at: 0,
            seen_at: None,
            expires_at: 0,
        }
    }

    struct Scene {
        anna: Operator,
        boris: Operator,
        boss: Operator,
        vera: Visitor,
        dialog: Dialog,
        operators: Vec<Connection>,
        tabs: Vec<Connection>,
    }

    /// Vera's dialog, joined by Anna; Boris (online) and the admin, away, look on; two tabs each.
    fn scene() -> Scene {
        let vera = crate::domain::testing::visitor();
        let anna = operator("anna", Role::Operator, OperatorStatus::Online);
        let boris = operator("boris", Role::Operator, OperatorStatus::Online);
        let boss = operator("boss", Role::Admin, OperatorStatus::Away);
        let mut dialog = crate::domain::testing::waiting_dialog(&vera);
        dialog.join(&anna, 3).unwrap();
        let operators = [&anna, &boris, &boss]
            .iter()
            .flat_map(|o| [tab(o, 1), tab(o, 2)])
            .collect();
        let tabs = vec![visitor_tab(&vera, 1), visitor_tab(&vera, 2)];
        Scene {
            anna,
            boris,
            boss,
            vera,
            dialog,
            operators,
            tabs,
        }
    }

    fn listeners<'a>(s: &'a Scene, sender: Option<&'a ConnectionId>) -> Listeners<'a> {
        Listeners {
            dialog: &s.dialog,
            operators: &s.operators,
            visitor: &s.tabs,
            sender,
        }
    }

    fn to_whom(posts: &[Post]) -> Vec<String> {
        let mut v: Vec<String> = posts.iter().map(|p| p.to.to_string()).collect();
        v.sort();
        v.dedup();
        v
    }

    fn payloads(posts: &[Post]) -> Vec<serde_json::Value> {
        posts
            .iter()
            .map(|p| serde_json::from_str(&p.payload).unwrap())
            .collect()
    }

    fn operator_says(
        dialog: &mut Dialog,
        op: &Operator,
        id: &str,
        text: &str,
        now: crate::domain::Millis,
    ) -> Vec<Message> {
        let id = ClientMessageId::parse(id).unwrap();
        dialog
            .operator_message(op, id, Content::from(text.to_owned()), None, now)
            .unwrap()
    }

    #[test]
    fn every_operator_who_may_see_the_dialog_hears_of_a_message_but_the_sender() {
        let mut s = scene();
        let sender = tab(&s.anna, 1).id;
        let added = operator_says(&mut s.dialog, &s.anna, "c2", "hello", 4);
        let posts = message_to_operators(
            &listeners(&s, Some(&sender)),
            &added,
            &Receipts::default(),
            false,
        );
        assert_eq!(
            to_whom(&posts),
            ["anna-2", "boris-1", "boris-2", "boss-1", "boss-2"]
        );
        assert!(
            payloads(&posts)
                .iter()
                .all(|p| p["type"] == "message.created" && p["ring"] == false),
            "taken: no ring"
        );
    }

    #[test]
    fn a_new_dialog_rings_for_online_operators_only() {
        let s = scene();
        let fresh = Dialog::start(&s.vera, 1);
        let mut d = fresh.clone();
        let added = d
            .visitor_message(
                &s.vera,
                ClientMessageId::parse("c1").unwrap(),
                Content::from(String::from("hi")),
                None,
                2,
            )
            .unwrap();
        let l = Listeners {
            dialog: &d,
            operators: &s.operators,
            visitor: &s.tabs,
            sender: None,
        };
        let posts = message_to_operators(&l, &added, &Receipts::default(), true);
        for (post, p) in posts.iter().zip(payloads(&posts)) {
            assert_eq!(p["type"], "dialog.created");
            assert_eq!(
                p["ring"],
                !post.to.as_str().starts_with("boss"),
                "{}: the admin is away",
                post.to
            );
        }
    }

    #[test]
    fn who_may_not_see_colleagues_dialogs_loses_one_a_colleague_takes_and_hears_no_more() {
        let mut s = scene();
        // Boris's groups give him nothing: Anna's dialog is hers alone (and the admin's).
        s.boris.rights = crate::domain::Rights::none();
        s.operators = [&s.anna, &s.boris, &s.boss]
            .iter()
            .flat_map(|o| [tab(o, 1), tab(o, 2)])
            .collect();
        let added = s.dialog.close(&s.anna, 5).unwrap();
        let posts = change_to_operators(&listeners(&s, None), &added, &Receipts::default(), &[]);
        let removed: Vec<_> = posts
            .iter()
            .filter(|p| p.payload.contains("\"dialog.removed\""))
            .map(|p| p.to.to_string())
            .collect();
        assert_eq!(removed, ["boris-1", "boris-2"]);
        let updated: Vec<_> = posts
            .iter()
            .filter(|p| p.payload.contains("\"dialog.updated\""))
            .cloned()
            .collect();
        assert_eq!(to_whom(&updated), ["anna-1", "anna-2", "boss-1", "boss-2"]);
        let more = operator_says(&mut s.dialog, &s.anna, "c3", "hi", 6);
        let heard = to_whom(&message_to_operators(
            &listeners(&s, None),
            &more,
            &Receipts::default(),
            false,
        ));
        assert!(heard.iter().all(|c| !c.starts_with("boris")), "{heard:?}");
    }

    #[test]
    fn a_transfer_rings_for_the_operator_it_went_to_while_they_are_online() {
        let mut s = scene();
        let to_boss = s.dialog.clone();
        let added = s.dialog.transfer(&s.anna, &s.boris, None, 5).unwrap();
        let posts = change_to_operators(&listeners(&s, None), &added, &Receipts::default(), &[]);
        let ringing: Vec<String> = payloads(&posts)
            .iter()
            .zip(&posts)
            .filter(|(p, _)| p["type"] == "dialog.updated" && p["ring"] == true)
            .map(|(_, post)| post.to.to_string())
            .collect();
        assert_eq!(
            ringing,
            ["boris-1", "boris-2"],
            "Boris's tabs, nobody else's"
        );

        s.dialog = to_boss;
        let added = s.dialog.transfer(&s.anna, &s.boss, None, 5).unwrap();
        let posts = change_to_operators(&listeners(&s, None), &added, &Receipts::default(), &[]);
        assert!(
            payloads(&posts).iter().all(|p| p["ring"] == false),
            "the admin is away: told, not rung"
        );
    }

    #[test]
    fn a_transfer_removes_the_dialog_from_the_operator_it_was_taken_from_and_only_them() {
        let mut s = scene();
        let added = s.dialog.transfer(&s.anna, &s.boris, None, 5).unwrap();
        let lost = [s.anna.id.clone()];
        let sender = tab(&s.anna, 1).id;
        let posts = change_to_operators(
            &listeners(&s, Some(&sender)),
            &added,
            &Receipts::default(),
            &lost,
        );
        let removed: Vec<_> = posts
            .iter()
            .filter(|p| p.payload.contains("\"dialog.removed\""))
            .map(|p| p.to.to_string())
            .collect();
        assert_eq!(
            removed,
            ["anna-2"],
            "Anna's other tab; her own is answered by the ack"
        );
        let updated = to_whom(
            &posts
                .iter()
                .filter(|p| p.payload.contains("\"dialog.updated\""))
                .cloned()
                .collect::<Vec<_>>(),
        );
        assert_eq!(updated, ["boris-1", "boris-2", "boss-1", "boss-2"]);
        // Once it is gone, Anna hears nothing more of it: messages, page views.
        let more = operator_says(&mut s.dialog, &s.boris, "c3", "hi", 6);
        assert!(
            to_whom(&message_to_operators(
                &listeners(&s, None),
                &more,
                &Receipts::default(),
                false
            ))
            .iter()
            .all(|c| !c.starts_with("anna"))
        );
        let page = ServerEvent::VisitorPage {
            visitor_id: s.vera.id.clone(),
            dialog_id: Some(s.dialog.id.clone()),
            page: VisitedPage::parse("https://shop.example/", None, 7).unwrap(),
        };
        assert!(
            to_whom(&visitor_page(Some(&s.dialog), &s.operators, &page))
                .iter()
                .all(|c| !c.starts_with("anna"))
        );
        assert_eq!(
            to_whom(&visitor_page(None, &s.operators, &page)).len(),
            6,
            "no dialog yet: every operator"
        );
    }

    #[test]
    fn the_visitor_never_hears_of_a_whisper_and_sees_names_only_where_the_site_shows_them() {
        let mut s = scene();
        let whisper = s
            .dialog
            .whisper(
                &s.anna,
                ClientMessageId::parse("w1").unwrap(),
                "VIP".into(),
                None,
                4,
            )
            .unwrap();
        assert!(
            message_to_visitor(&listeners(&s, None), &whisper, &Receipts::default(), true)
                .is_empty()
        );
        let answer = operator_says(&mut s.dialog, &s.anna, "c2", "hello", 5);
        let named = payloads(&message_to_visitor(
            &listeners(&s, None),
            &answer,
            &Receipts::default(),
            true,
        ));
        let hidden = payloads(&message_to_visitor(
            &listeners(&s, None),
            &answer,
            &Receipts::default(),
            false,
        ));
        assert_eq!(named.len(), 2, "each tab");
        assert_eq!(named[0]["message"]["author_name"], "anna");
        assert!(
            hidden[0]["message"]
                .get("author_name")
                .is_none_or(|n| n.is_null()),
            "{}",
            hidden[0]
        );
        let sender = visitor_tab(&s.vera, 1).id;
        assert_eq!(
            to_whom(&message_to_visitor(
                &listeners(&s, Some(&sender)),
                &answer,
                &Receipts::default(),
                true
            )),
            ["vera-2"]
        );
    }

    #[test]
    fn typing_and_receipts_go_to_those_in_the_conversation() {
        let s = scene();
        let l = listeners(&s, None);
        assert_eq!(
            to_whom(&typing(&l, Side::Visitor, None, true, true)),
            ["anna-1", "anna-2"],
            "the operators connected"
        );
        let sender = tab(&s.anna, 1).id;
        let l = listeners(&s, Some(&sender));
        let posts = typing(&l, Side::Operators, Some("anna"), true, false);
        assert_eq!(to_whom(&posts), ["anna-2", "vera-1", "vera-2"]);
        let to_vera = payloads(&posts)
            .into_iter()
            .find(|p| p["name"].is_null())
            .expect("the visitor is not told the name");
        assert_eq!(to_vera["type"], "typing");
        assert_eq!(
            to_whom(&receipt(
                &listeners(&s, None),
                Side::Visitor,
                Receipt::Read,
                2
            )),
            ["anna-1", "anna-2"]
        );
        assert_eq!(
            to_whom(&receipt(
                &listeners(&s, None),
                Side::Operators,
                Receipt::Read,
                2
            )),
            ["vera-1", "vera-2"]
        );
        let event = ServerEvent::DialogRead {
            dialog_id: s.dialog.id.clone(),
            unread: 0,
            marked_unread: false,
        };
        assert_eq!(
            to_whom(&own_tabs(&s.anna.id, &s.operators, &sender, &event)),
            ["anna-2"]
        );
        let _ = (&s.boris, &s.boss);
    }
}
