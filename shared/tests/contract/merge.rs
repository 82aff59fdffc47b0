//! Merging contacts (`merge_contacts`, `move_dialog`) and finding them by name
//! (`find_contacts`): a merge writes both contacts and moves the keys in one transaction, its alias
//! takes no new dialog, two merges of one pair at once let one win, and the name index follows
//! every write.

use std::sync::Arc;

use parlor_core::domain::{Contact, ContactKey, Dialog, Email, Phone, unite};
use parlor_core::ids::{ContactId, WorkspaceId};
use parlor_core::ports::{Store, StoreError};

use super::{T0, first_message, new_visitor};

fn named(ws: &WorkspaceId, name: &str, email: Option<&str>) -> Contact {
    let mut c = Contact::new(ContactId::generate(), ws.clone(), T0);
    c.name = Some(name.into());
    c.email = email.map(|e| Email::parse(e).expect("an email"));
    c.version = 1;
    c
}

/// A stored contact with one dialog of a visitor of theirs.
async fn with_a_dialog(store: &Arc<dyn Store>, contact: &Contact, client_id: &str) -> Dialog {
    store.put_contact(contact, None).await.unwrap();
    let mut v = new_visitor(store, &contact.workspace).await;
    v.contact = Some(contact.id.clone());
    store.put_visitor(&v).await.unwrap();
    let (dialog, messages) = first_message(&v, client_id, T0);
    store
        .commit(&dialog, &messages, &Default::default())
        .await
        .unwrap();
    dialog
}

/// The dialog's next version, as the merge moves it to `into`.
fn moved(dialog: &Dialog, into: &Contact) -> Dialog {
    let mut next = dialog.clone();
    next.contact = Some(into.id.clone());
    next.visitor_name = into.display_name();
    next.version += 1;
    next
}

pub async fn a_merge_moves_the_keys_and_leaves_an_alias_that_takes_no_dialog(
    store: Arc<dyn Store>,
) {
    let ws = WorkspaceId::generate();
    let vera = named(&ws, "Vera Petrova", Some("vera@example.com"));
    let mut anna = named(&ws, "Anna", Some("anna@example.com"));
    anna.phone = Phone::parse("+7 912 345-67-89");
    let veras = with_a_dialog(&store, &vera, "v1").await;
    let annas = with_a_dialog(&store, &anna, "a1").await;

    let (united, alias) = unite(&vera, &anna);
    store
        .merge_contacts(&united, &vera, &alias, &anna)
        .await
        .unwrap();
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(united.clone())
    );
    assert_eq!(
        store.get_contact(&ws, &anna.id).await.unwrap(),
        Some(alias.clone())
    );
    for key in anna.keys().into_iter().chain(vera.keys()) {
        assert_eq!(
            store.contact_by_key(&ws, &key).await.unwrap(),
            Some(vera.id.clone()),
            "{key:?} is the united contact's"
        );
    }
    // Nobody else may take a key the merge moved.
    let mut other = named(&ws, "Other", Some("ANNA@example.com"));
    other.version = 1;
    assert_eq!(
        store.put_contact(&other, None).await,
        Err(StoreError::AlreadyExists)
    );
    // The name index: Anna's words went with her; the united contact is found by its own.
    assert!(
        store
            .find_contacts(&ws, "ann", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.find_contacts(&ws, "pet", 10).await.unwrap(),
        vec![vera.id.clone()]
    );

    // Anna's dialog moves to Vera with its link.
    let next = moved(&annas, &united);
    store.move_dialog(&next, &anna.id, None).await.unwrap();
    let mut listed = store.contact_dialogs(&ws, &vera.id).await.unwrap();
    listed.sort();
    let mut both = vec![veras.id.clone(), annas.id.clone()];
    both.sort();
    assert_eq!(listed, both);
    assert!(
        store
            .contact_dialogs(&ws, &anna.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.get_dialog(&ws, &annas.id).await.unwrap(), Some(next));

    // A visitor still naming the alias starts no dialog under it: the caller resolves it first.
    let mut late = new_visitor(&store, &ws).await;
    late.contact = Some(anna.id.clone());
    store.put_visitor(&late).await.unwrap();
    let (dialog, messages) = first_message(&late, "late", T0 + 5);
    assert_eq!(
        store.commit(&dialog, &messages, &Default::default()).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.get_dialog(&ws, &dialog.id).await.unwrap(), None);
    let after = store.get_visitor(&ws, &late.id).await.unwrap().unwrap();
    assert_eq!(after.dialog, None, "nothing was written");
    assert!(
        store
            .contact_dialogs(&ws, &anna.id)
            .await
            .unwrap()
            .is_empty()
    );

    // A stale merge (of the same versions again) writes nothing.
    let (again, again_alias) = unite(&vera, &anna);
    assert_eq!(
        store
            .merge_contacts(&again, &vera, &again_alias, &anna)
            .await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(united)
    );
}

/// Two merges of one pair at once, either way round: exactly one is written; the other conflicts
/// and leaves nothing behind; every key ends with the survivor.
pub async fn two_merges_of_one_pair_at_once_let_one_win(store: Arc<dyn Store>) {
    for round in 0..4 {
        let ws = WorkspaceId::generate();
        let vera = named(&ws, "Vera", Some("vera@example.com"));
        let anna = named(&ws, "Anna", Some("anna@example.com"));
        store.put_contact(&vera, None).await.unwrap();
        store.put_contact(&anna, None).await.unwrap();
        // Rounds 0 and 1: the same merge twice; 2 and 3: opposite merges.
        let pairs = if round < 2 {
            [(vera.clone(), anna.clone()), (vera.clone(), anna.clone())]
        } else {
            [(vera.clone(), anna.clone()), (anna.clone(), vera.clone())]
        };
        let tasks: Vec<_> = pairs
            .into_iter()
            .map(|(into, from)| {
                let store = store.clone();
                tokio::spawn(async move {
                    let (united, alias) = unite(&into, &from);
                    let outcome = store.merge_contacts(&united, &into, &alias, &from).await;
                    (outcome, united, alias)
                })
            })
            .collect();
        let mut won = Vec::new();
        for task in tasks {
            let (outcome, united, alias) = task.await.unwrap();
            match outcome {
                Ok(()) => won.push((united, alias)),
                Err(e) => assert_eq!(e, StoreError::Conflict, "round {round}"),
            }
        }
        assert_eq!(won.len(), 1, "round {round}: exactly one merge is written");
        let (united, alias) = &won[0];
        assert_eq!(
            store.get_contact(&ws, &united.id).await.unwrap().as_ref(),
            Some(united)
        );
        assert_eq!(
            store.get_contact(&ws, &alias.id).await.unwrap().as_ref(),
            Some(alias)
        );
        for key in [
            ContactKey::Email("vera@example.com".into()),
            ContactKey::Email("anna@example.com".into()),
        ] {
            assert_eq!(
                store.contact_by_key(&ws, &key).await.unwrap().as_ref(),
                Some(&united.id),
                "round {round}: {key:?}"
            );
        }
    }
}

/// A contact's claims are found from the key's side, and follow its writes and its merge.
pub async fn the_contacts_that_claim_a_key_are_found_by_it(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let vera = named(&ws, "Vera", Some("vera@example.com"));
    store.put_contact(&vera, None).await.unwrap();
    let key = ContactKey::Email("vera@example.com".into());
    let mut other = named(&ws, "V.", None);
    other.claim(&key, "Vera@Example.com", &vera.id);
    store.put_contact(&other, None).await.unwrap();
    let mut third = named(&ws, "V. P.", None);
    third.claim(&key, "vera@example.com", &vera.id);
    store.put_contact(&third, None).await.unwrap();
    let mut claimants = store.claimants(&ws, &key).await.unwrap();
    claimants.sort();
    let mut both = vec![other.id.clone(), third.id.clone()];
    both.sort();
    assert_eq!(claimants, both);
    assert!(
        store
            .claimants(&WorkspaceId::generate(), &key)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claimants(&ws, &ContactKey::Email("x@example.com".into()))
            .await
            .unwrap()
            .is_empty()
    );
    // A claim dropped by an edit goes from the index.
    let before = third.clone();
    third.claims.clear();
    third.version += 1;
    store.put_contact(&third, Some(&before)).await.unwrap();
    assert_eq!(
        store.claimants(&ws, &key).await.unwrap(),
        vec![other.id.clone()]
    );
    // Merged into the holder, the claim is settled and goes too.
    let (united, alias) = unite(&vera, &other);
    store
        .merge_contacts(&united, &vera, &alias, &other)
        .await
        .unwrap();
    assert!(store.claimants(&ws, &key).await.unwrap().is_empty());
}

pub async fn contacts_are_found_by_the_start_of_a_word_of_their_name(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let mut vera = named(&ws, "Vera Ivanova-Petrova", None);
    store.put_contact(&vera, None).await.unwrap();
    let anna = named(&ws, "Anna Ivanova", None);
    store.put_contact(&anna, None).await.unwrap();
    let elsewhere = named(&WorkspaceId::generate(), "Ivan", None);
    store.put_contact(&elsewhere, None).await.unwrap();

    let mut ivanovas = store.find_contacts(&ws, "ivan", 10).await.unwrap();
    ivanovas.sort();
    let mut both = vec![vera.id.clone(), anna.id.clone()];
    both.sort();
    assert_eq!(ivanovas, both, "only this workspace's");
    assert_eq!(
        store.find_contacts(&ws, "petrova", 10).await.unwrap(),
        vec![vera.id.clone()],
        "a word after a hyphen"
    );
    assert_eq!(store.find_contacts(&ws, "ivan", 1).await.unwrap().len(), 1);
    assert!(store.find_contacts(&ws, "x", 10).await.unwrap().is_empty());

    // A rename moves the contact in the index.
    let before = vera.clone();
    vera.name = Some("Vera Smirnova".into());
    vera.version += 1;
    store.put_contact(&vera, Some(&before)).await.unwrap();
    assert!(
        store
            .find_contacts(&ws, "petr", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.find_contacts(&ws, "smir", 10).await.unwrap(),
        vec![vera.id.clone()]
    );
    assert_eq!(
        store.find_contacts(&ws, "vera", 10).await.unwrap(),
        vec![vera.id.clone()],
        "a word kept stays"
    );
}
