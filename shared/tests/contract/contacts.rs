//! `ContactStore`: contacts on their version, their keys unique within a workspace (races
//! included), each contact's dialogs as the first commit lists them, and a dialog unpinned from
//! its contact (racing a message included).

use std::sync::Arc;

use parlor_core::domain::{
    Contact, ContactBlock, ContactKey, Dialog, DialogStatus, Email, Phone, SiteUser, Visitor,
};
use parlor_core::ids::{ContactId, OperatorId, SiteKey, WorkspaceId};
use parlor_core::ports::{Store, StoreError};

use super::{T0, first_message, new_visitor, next_message};

fn contact(ws: &WorkspaceId, email: Option<&str>) -> Contact {
    let mut c = Contact::new(ContactId::generate(), ws.clone(), T0);
    c.name = Some("Vera".into());
    c.email = email.map(|e| Email::parse(e).expect("an email"));
    c.version = 1;
    c
}

pub async fn contacts_hold_their_keys_alone(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let mut vera = contact(&ws, Some("Vera@Example.com"));
    vera.phone = Phone::parse("+7 912 345-67-89");
    vera.users.push(SiteUser {
        site: SiteKey::generate(),
        user_id: "user 42".into(),
    });
    store.put_contact(&vera, None).await.unwrap();
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(vera.clone())
    );
    assert_eq!(
        store
            .get_contact(&WorkspaceId::generate(), &vera.id)
            .await
            .unwrap(),
        None,
        "another workspace"
    );
    for key in vera.keys() {
        assert_eq!(
            store.contact_by_key(&ws, &key).await.unwrap(),
            Some(vera.id.clone()),
            "{key:?}"
        );
    }
    let email = ContactKey::Email("vera@example.com".into());
    assert_eq!(
        store
            .contact_by_key(&WorkspaceId::generate(), &email)
            .await
            .unwrap(),
        None,
        "keys are per workspace"
    );

    // Another contact with the same address (written otherwise) is refused, and nothing of it stored.
    let mut other = contact(&ws, Some(" vera@EXAMPLE.com"));
    other.phone = Phone::parse("+1 555 0100");
    assert_eq!(
        store.put_contact(&other, None).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(store.get_contact(&ws, &other.id).await.unwrap(), None);
    assert_eq!(
        store
            .contact_by_key(&ws, &ContactKey::Phone("15550100".into()))
            .await
            .unwrap(),
        None,
        "the free key was not claimed either"
    );

    // Creating it again is a conflict; an update on a stale version too.
    assert_eq!(
        store.put_contact(&vera, None).await,
        Err(StoreError::Conflict)
    );
    let mut stale = vera.clone();
    stale.version = 3;
    assert_eq!(
        store.put_contact(&stale, Some(&vera)).await,
        Err(StoreError::Conflict)
    );

    // Vera lets her address go: it is released, and the other contact may take it.
    let mut changed = vera.clone();
    changed.email = Email::parse("vera.new@example.com");
    changed.version = 2;
    store.put_contact(&changed, Some(&vera)).await.unwrap();
    assert_eq!(store.contact_by_key(&ws, &email).await.unwrap(), None);
    assert_eq!(
        store
            .contact_by_key(&ws, &ContactKey::Email("vera.new@example.com".into()))
            .await
            .unwrap(),
        Some(vera.id.clone())
    );
    store.put_contact(&other, None).await.unwrap();
    assert_eq!(
        store.contact_by_key(&ws, &email).await.unwrap(),
        Some(other.id.clone())
    );
    // And Vera cannot take it back.
    let mut back = changed.clone();
    back.email = vera.email.clone();
    back.version = 3;
    assert_eq!(
        store.put_contact(&back, Some(&changed)).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(changed),
        "a refused update writes nothing"
    );
}

pub async fn concurrent_claims_of_one_email_let_one_contact_have_it(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let contacts: Vec<Contact> = (0..6)
        .map(|_| contact(&ws, Some("shared@example.com")))
        .collect();
    let tries = contacts.iter().map(|c| {
        let store = store.clone();
        let c = c.clone();
        tokio::spawn(async move { store.put_contact(&c, None).await })
    });
    let outcomes: Vec<_> = futures_util::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.expect("the task ran"))
        .collect();
    let won: Vec<&Contact> = contacts
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_ok())
        .map(|(c, _)| c)
        .collect();
    assert_eq!(
        won.len(),
        1,
        "exactly one contact holds the address: {outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o.is_ok() || o == &Err(StoreError::AlreadyExists)),
        "{outcomes:?}"
    );
    let key = ContactKey::Email("shared@example.com".into());
    assert_eq!(
        store.contact_by_key(&ws, &key).await.unwrap(),
        Some(won[0].id.clone())
    );
    for c in &contacts {
        let stored = store.get_contact(&ws, &c.id).await.unwrap();
        assert_eq!(stored.is_some(), c.id == won[0].id, "losers store nothing");
    }
}

/// A block is kept on the contact (who and when) and its flag on each dialog, written on their
/// versions like any other change, and lifted the same way.
pub async fn a_block_is_kept_on_the_contact_and_its_dialogs(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let vera = contact(&ws, None);
    store.put_contact(&vera, None).await.unwrap();
    let mut blocked = vera.clone();
    blocked.blocked = Some(ContactBlock {
        by: OperatorId::generate(),
        at: T0 + 1,
    });
    blocked.version += 1;
    store.put_contact(&blocked, Some(&vera)).await.unwrap();
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(blocked.clone())
    );
    let mut v = new_visitor(&store, &ws).await;
    v.contact = Some(vera.id.clone());
    store.put_visitor(&v).await.unwrap();
    let (dialog, messages) = first_message(&v, "hi", T0);
    store
        .commit(&dialog, &messages, &Default::default())
        .await
        .unwrap();
    let mut flagged = dialog.clone();
    flagged.blocked = true;
    flagged.version += 1;
    store
        .commit(&flagged, &[], &Default::default())
        .await
        .unwrap();
    assert_eq!(
        store.get_dialog(&ws, &dialog.id).await.unwrap(),
        Some(flagged.clone())
    );
    assert_eq!(
        store
            .get_dialogs(&ws, std::slice::from_ref(&dialog.id))
            .await
            .unwrap(),
        vec![flagged.clone()]
    );
    // Lifted: stored without it again.
    let mut lifted = blocked.clone();
    lifted.blocked = None;
    lifted.version += 1;
    store.put_contact(&lifted, Some(&blocked)).await.unwrap();
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(lifted)
    );
    let mut open = flagged.clone();
    open.blocked = false;
    open.version += 1;
    store.commit(&open, &[], &Default::default()).await.unwrap();
    assert_eq!(store.get_dialog(&ws, &dialog.id).await.unwrap(), Some(open));
}

pub async fn a_dialog_is_listed_under_its_contact(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let id = ContactId::generate();
    let mut dialogs: Vec<Dialog> = Vec::new();
    for (n, at) in [T0, T0 + 10, T0 + 5].into_iter().enumerate() {
        let mut v = new_visitor(&store, &ws).await;
        v.contact = Some(id.clone());
        store.put_visitor(&v).await.unwrap();
        let (dialog, messages) = first_message(&v, &format!("m{n}"), at);
        assert_eq!(dialog.contact.as_ref(), Some(&id));
        store
            .commit(&dialog, &messages, &Default::default())
            .await
            .unwrap();
        dialogs.push(dialog);
    }
    // A dialog of another contact, and one from before contacts.
    let other = new_visitor(&store, &ws).await;
    let (theirs, messages) = first_message(&other, "x", T0 + 20);
    store
        .commit(&theirs, &messages, &Default::default())
        .await
        .unwrap();
    let listed = store.contact_dialogs(&ws, &id).await.unwrap();
    assert_eq!(
        listed,
        vec![
            dialogs[1].id.clone(),
            dialogs[2].id.clone(),
            dialogs[0].id.clone()
        ],
        "the newest first"
    );
    assert!(
        store
            .contact_dialogs(&WorkspaceId::generate(), &id)
            .await
            .unwrap()
            .is_empty()
    );
    // Later commits do not list a dialog twice.
    let mut later = dialogs[0].clone();
    later.version += 1;
    store
        .commit(&later, &[], &Default::default())
        .await
        .unwrap();
    assert_eq!(store.contact_dialogs(&ws, &id).await.unwrap().len(), 3);
}

/// A contact with one dialog (of a visitor of theirs), stored; and the dialog as stored.
async fn contact_with_a_dialog(
    store: &Arc<dyn Store>,
    ws: &WorkspaceId,
) -> (Contact, Visitor, Dialog) {
    let vera = contact(ws, None);
    store.put_contact(&vera, None).await.unwrap();
    let mut v = new_visitor(store, ws).await;
    v.contact = Some(vera.id.clone());
    store.put_visitor(&v).await.unwrap();
    let (dialog, messages) = first_message(&v, "m1", T0);
    store
        .commit(&dialog, &messages, &Default::default())
        .await
        .unwrap();
    (vera, v, dialog)
}

/// The dialog's next version, moved to a fresh anonymous contact, as the use-case unpins it.
fn unpinned(dialog: &Dialog) -> (Dialog, Contact) {
    let mut fresh = Contact::new(ContactId::generate(), dialog.workspace.clone(), T0 + 50);
    fresh.version = 1;
    let mut next = dialog.clone();
    next.contact = Some(fresh.id.clone());
    next.visitor_name = fresh.display_name();
    next.version += 1;
    (next, fresh)
}

pub async fn an_unpinned_dialog_leaves_its_contact_for_a_fresh_one(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let (vera, _, dialog) = contact_with_a_dialog(&store, &ws).await;
    let kept = vera.id.clone();
    // Another dialog of Vera's stays hers.
    let mut v2 = new_visitor(&store, &ws).await;
    v2.contact = Some(vera.id.clone());
    store.put_visitor(&v2).await.unwrap();
    let (other, messages) = first_message(&v2, "o1", T0 + 1);
    store
        .commit(&other, &messages, &Default::default())
        .await
        .unwrap();

    let (next, fresh) = unpinned(&dialog);
    store
        .move_dialog(&next, &vera.id, Some(&fresh))
        .await
        .unwrap();
    assert_eq!(
        store.contact_dialogs(&ws, &kept).await.unwrap(),
        vec![other.id.clone()],
        "Vera's card lists only the other dialog"
    );
    assert_eq!(
        store.contact_dialogs(&ws, &fresh.id).await.unwrap(),
        vec![dialog.id.clone()]
    );
    assert_eq!(
        store.get_contact(&ws, &fresh.id).await.unwrap(),
        Some(fresh.clone())
    );
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(vera.clone()),
        "Vera stays as she was"
    );
    assert_eq!(
        store.get_dialog(&ws, &dialog.id).await.unwrap(),
        Some(next.clone())
    );
    let history = store.messages_after(&ws, &dialog.id, 0, 100).await.unwrap();
    assert_eq!(history.len(), 1, "the history is kept");
    // Still listed as before, by status and activity.
    let open = store
        .list_dialogs(&ws, DialogStatus::Open, None, 10)
        .await
        .unwrap();
    assert!(open.iter().any(|d| d == &next), "{open:?}");

    // Again, on the stale version: refused, and nothing more is written.
    let (again, another) = unpinned(&dialog);
    assert_eq!(
        store.move_dialog(&again, &vera.id, Some(&another)).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.get_contact(&ws, &another.id).await.unwrap(), None);
    assert_eq!(
        store.contact_dialogs(&ws, &fresh.id).await.unwrap(),
        vec![dialog.id.clone()]
    );
    assert!(
        store
            .contact_dialogs(&ws, &another.id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// An unpin and a visitor's message read the same version: exactly one is written; the other
/// conflicts and leaves nothing behind, and after a re-read both end consistent.
pub async fn an_unpin_racing_a_message_ends_consistent(store: Arc<dyn Store>) {
    for message_first in [true, false] {
        let ws = WorkspaceId::generate();
        let (vera, v, dialog) = contact_with_a_dialog(&store, &ws).await;
        let (next, fresh) = unpinned(&dialog);
        let mut replied = dialog.clone();
        let messages = next_message(&mut replied, &v, "m2", T0 + 60);
        let unpin = {
            let store = store.clone();
            let (next, from, fresh) = (next.clone(), vera.id.clone(), fresh.clone());
            tokio::spawn(async move { store.move_dialog(&next, &from, Some(&fresh)).await })
        };
        let commit = {
            let store = store.clone();
            let (replied, messages) = (replied.clone(), messages.clone());
            tokio::spawn(
                async move { store.commit(&replied, &messages, &Default::default()).await },
            )
        };
        let (unpin, commit) = if message_first {
            let c = commit.await.unwrap();
            (unpin.await.unwrap(), c)
        } else {
            let u = unpin.await.unwrap();
            (u, commit.await.unwrap())
        };
        assert!(
            unpin.is_ok() != commit.is_ok(),
            "exactly one wins: {unpin:?} {commit:?}"
        );
        let stored = store.get_dialog(&ws, &dialog.id).await.unwrap().unwrap();
        if unpin.is_ok() {
            assert_eq!(commit, Err(StoreError::Conflict));
            assert_eq!(stored, next);
            // The message, read again on the unpinned dialog, goes in: it stays unpinned.
            let mut again = stored.clone();
            let messages = next_message(&mut again, &v, "m2", T0 + 60);
            store
                .commit(&again, &messages, &Default::default())
                .await
                .unwrap();
            let stored = store.get_dialog(&ws, &dialog.id).await.unwrap().unwrap();
            assert_eq!(stored.contact.as_ref(), Some(&fresh.id));
            assert_eq!(
                store.contact_dialogs(&ws, &fresh.id).await.unwrap(),
                vec![dialog.id.clone()]
            );
            assert!(
                store
                    .contact_dialogs(&ws, &vera.id)
                    .await
                    .unwrap()
                    .is_empty()
            );
        } else {
            assert_eq!(unpin, Err(StoreError::Conflict));
            assert_eq!(stored, replied);
            assert_eq!(
                store.contact_dialogs(&ws, &vera.id).await.unwrap(),
                vec![dialog.id.clone()],
                "the lost unpin moved no link"
            );
            assert_eq!(store.get_contact(&ws, &fresh.id).await.unwrap(), None);
            assert!(
                store
                    .contact_dialogs(&ws, &fresh.id)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        assert_eq!(
            store
                .messages_after(&ws, &dialog.id, 0, 100)
                .await
                .unwrap()
                .len(),
            2,
            "both messages kept"
        );
    }
}
