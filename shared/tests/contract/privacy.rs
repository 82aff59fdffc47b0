//! Erasing a contact (issue 18's privacy point): a contact's record goes with the keys it holds
//! and its dialog links, on its version and no other's; a visitor's record goes, and stays gone
//! when its dialog is deleted after it.

use std::sync::Arc;

use parlor_core::domain::{Contact, ContactKey, Email, Phone, SiteUser};
use parlor_core::ids::{ContactId, SiteKey, WorkspaceId};
use parlor_core::ports::{Store, StoreError};

use super::{T0, first_message, new_visitor};

fn contact(ws: &WorkspaceId, email: &str) -> Contact {
    let mut c = Contact::new(ContactId::generate(), ws.clone(), T0);
    c.name = Some("Vera".into());
    c.email = Email::parse(email);
    c.version = 1;
    c
}

pub async fn an_erased_contact_goes_with_its_keys_and_links_and_nothing_else(
    store: Arc<dyn Store>,
) {
    let ws = WorkspaceId::generate();
    let mut vera = contact(&ws, "vera@example.com");
    vera.phone = Phone::parse("+7 912 345-67-89");
    vera.users.push(SiteUser {
        site: SiteKey::generate(),
        user_id: "42".into(),
    });
    store.put_contact(&vera, None).await.unwrap();
    let other = contact(&ws, "olek@example.com");
    store.put_contact(&other, None).await.unwrap();
    // A dialog of each, listed under each.
    let mut dialogs = Vec::new();
    for c in [&vera, &other] {
        let mut v = new_visitor(&store, &ws).await;
        v.contact = Some(c.id.clone());
        store.put_visitor(&v).await.unwrap();
        let (dialog, messages) = first_message(&v, "hello", T0);
        store
            .commit(&dialog, &messages, &Default::default())
            .await
            .unwrap();
        dialogs.push(dialog);
    }

    // On another version: refused, and the record stays.
    let mut stale = vera.clone();
    stale.version = 7;
    assert_eq!(
        store.delete_contact(&stale).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(vera.clone())
    );

    store.delete_contact(&vera).await.unwrap();
    assert_eq!(store.get_contact(&ws, &vera.id).await.unwrap(), None);
    for key in vera.keys() {
        assert_eq!(
            store.contact_by_key(&ws, &key).await.unwrap(),
            None,
            "{key:?} is free"
        );
    }
    assert!(
        store
            .contact_dialogs(&ws, &vera.id)
            .await
            .unwrap()
            .is_empty(),
        "its dialog links are gone"
    );
    // Nothing else: the other contact, its key and its link; the dialog itself is the caller's.
    assert_eq!(
        store.get_contact(&ws, &other.id).await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(
        store
            .contact_by_key(&ws, &ContactKey::Email("olek@example.com".into()))
            .await
            .unwrap(),
        Some(other.id.clone())
    );
    assert_eq!(
        store.contact_dialogs(&ws, &other.id).await.unwrap(),
        vec![dialogs[1].id.clone()]
    );
    assert!(
        store
            .get_dialog(&ws, &dialogs[0].id)
            .await
            .unwrap()
            .is_some()
    );

    // Again: nothing there, no error. And the freed address may be another contact's now.
    store.delete_contact(&vera).await.unwrap();
    let newcomer = contact(&ws, "VERA@example.com");
    store.put_contact(&newcomer, None).await.unwrap();
    assert_eq!(
        store
            .contact_by_key(&ws, &ContactKey::Email("vera@example.com".into()))
            .await
            .unwrap(),
        Some(newcomer.id)
    );
}

/// A key the contact as read names but another contact holds by now stays that one's.
pub async fn an_erase_leaves_a_key_another_contact_holds(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let vera = contact(&ws, "vera@example.com");
    store.put_contact(&vera, None).await.unwrap();
    let mut moved = vera.clone();
    moved.email = Email::parse("vera.new@example.com");
    moved.version = 2;
    store.put_contact(&moved, Some(&vera)).await.unwrap();
    let other = contact(&ws, "vera@example.com");
    store.put_contact(&other, None).await.unwrap();

    // The record at its version, yet naming the address it let go.
    let mut read = moved.clone();
    read.email = vera.email.clone();
    store.delete_contact(&read).await.unwrap();
    assert_eq!(store.get_contact(&ws, &vera.id).await.unwrap(), None);
    assert_eq!(
        store
            .contact_by_key(&ws, &ContactKey::Email("vera@example.com".into()))
            .await
            .unwrap(),
        Some(other.id.clone()),
        "another contact's key stays"
    );
}

pub async fn a_deleted_visitor_stays_gone_when_its_dialog_goes(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let vera = new_visitor(&store, &ws).await;
    let olek = new_visitor(&store, &ws).await;
    let (dialog, messages) = first_message(&vera, "hello", T0);
    store
        .commit(&dialog, &messages, &Default::default())
        .await
        .unwrap();

    store.delete_visitor(&ws, &vera.id).await.unwrap();
    assert_eq!(store.get_visitor(&ws, &vera.id).await.unwrap(), None);
    assert_eq!(
        store.get_visitor(&ws, &olek.id).await.unwrap(),
        Some(olek.clone()),
        "another visitor stays"
    );
    assert_eq!(
        store
            .get_visitor(&WorkspaceId::generate(), &olek.id)
            .await
            .unwrap(),
        None
    );
    // Deleting the dialog after it does not bring the visitor back (its link is removed only
    // where it is).
    store.delete_dialog(&ws, &dialog.id, None).await.unwrap();
    assert_eq!(store.get_visitor(&ws, &vera.id).await.unwrap(), None);
    // Again: no error.
    store.delete_visitor(&ws, &vera.id).await.unwrap();
}
