//! `TagStore`: tags on their version, their names unique per workspace without case (races
//! included), their counters moved atomically (concurrent moves included) and gone with the tag;
//! and a contact's and a dialog's tags kept by their stores.

use std::sync::Arc;

use parlor_core::domain::{Contact, ContactTag, Tag};
use parlor_core::ids::{ContactId, TagId, WorkspaceId};
use parlor_core::ports::{Store, StoreError, TagCount};

use super::{T0, first_message, new_visitor};

fn tag(ws: &WorkspaceId, name: &str) -> Tag {
    Tag {
        id: TagId::generate(),
        workspace: ws.clone(),
        name: name.into(),
        colour: "#ff8800".into(),
        created_at: T0,
        version: 1,
    }
}

async fn count(store: &Arc<dyn Store>, ws: &WorkspaceId, id: &TagId) -> Option<i64> {
    store
        .list_tags(ws)
        .await
        .unwrap()
        .into_iter()
        .find(|t| &t.tag.id == id)
        .map(|t| t.dialogs)
}

pub async fn tags_are_per_workspace_with_names_unique_without_case(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let vip = tag(&ws, "VIP");
    store.put_tag(&vip, None).await.unwrap();
    assert_eq!(
        store.get_tag(&ws, &vip.id).await.unwrap(),
        Some(vip.clone())
    );
    assert_eq!(
        store.list_tags(&ws).await.unwrap(),
        vec![TagCount {
            tag: vip.clone(),
            dialogs: 0
        }]
    );
    let other_ws = WorkspaceId::generate();
    assert!(store.list_tags(&other_ws).await.unwrap().is_empty());
    assert_eq!(store.get_tag(&other_ws, &vip.id).await.unwrap(), None);
    // The same name in another workspace is another tag's.
    store.put_tag(&tag(&other_ws, "vip"), None).await.unwrap();
    // Within the workspace, a name differing only in case is taken; nothing is written.
    let twin = tag(&ws, "vip");
    assert_eq!(
        store.put_tag(&twin, None).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(store.get_tag(&ws, &twin.id).await.unwrap(), None);
    assert_eq!(store.list_tags(&ws).await.unwrap().len(), 1);
    // Creating it again is a conflict.
    assert_eq!(store.put_tag(&vip, None).await, Err(StoreError::Conflict));

    // Renamed on its version: the old name is free again, the new one taken.
    let mut gold = vip.clone();
    gold.name = "Gold".into();
    gold.colour = "#00aa00".into();
    gold.version = 2;
    store.put_tag(&gold, Some(&vip)).await.unwrap();
    assert_eq!(
        store.get_tag(&ws, &vip.id).await.unwrap(),
        Some(gold.clone())
    );
    assert_eq!(
        store.put_tag(&gold, Some(&vip)).await,
        Err(StoreError::Conflict),
        "a stale version"
    );
    let again = tag(&ws, "vip");
    store.put_tag(&again, None).await.unwrap();
    let mut clash = again.clone();
    clash.name = "GOLD".into();
    clash.version = 2;
    assert_eq!(
        store.put_tag(&clash, Some(&again)).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(
        store.get_tag(&ws, &again.id).await.unwrap(),
        Some(again.clone())
    );
    // Recoloured, its name kept.
    let mut red = again.clone();
    red.colour = "#ff0000".into();
    red.version = 2;
    store.put_tag(&red, Some(&again)).await.unwrap();
    assert_eq!(store.get_tag(&ws, &red.id).await.unwrap(), Some(red));
}

pub async fn concurrent_tags_of_one_name_let_one_have_it(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let tags: Vec<Tag> = (0..6)
        .map(|i| tag(&ws, if i % 2 == 0 { "Lead" } else { "LEAD" }))
        .collect();
    let results = futures_util::future::join_all(tags.iter().map(|t| {
        let store = store.clone();
        let t = t.clone();
        async move { store.put_tag(&t, None).await }
    }))
    .await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(
        results.iter().all(|r| matches!(
            r,
            Ok(()) | Err(StoreError::AlreadyExists) | Err(StoreError::Conflict)
        )),
        "{results:?}"
    );
    assert_eq!(store.list_tags(&ws).await.unwrap().len(), 1);
}

pub async fn tag_counts_move_atomically_and_go_with_the_tag(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let (a, b) = (tag(&ws, "a"), tag(&ws, "b"));
    store.put_tag(&a, None).await.unwrap();
    store.put_tag(&b, None).await.unwrap();
    store
        .add_tag_counts(&ws, &[(a.id.clone(), 3), (b.id.clone(), 1)])
        .await
        .unwrap();
    store
        .add_tag_counts(&ws, &[(a.id.clone(), -1)])
        .await
        .unwrap();
    assert_eq!(count(&store, &ws, &a.id).await, Some(2));
    assert_eq!(count(&store, &ws, &b.id).await, Some(1));
    // Another workspace's move of the same id touches nothing here.
    store
        .add_tag_counts(&WorkspaceId::generate(), &[(a.id.clone(), 5)])
        .await
        .unwrap();
    assert_eq!(count(&store, &ws, &a.id).await, Some(2));
    // Concurrent moves are each counted.
    futures_util::future::join_all((0..10).map(|i| {
        let store = store.clone();
        let (ws, id) = (ws.clone(), b.id.clone());
        async move {
            let by = if i % 5 == 0 { -1 } else { 1 };
            store.add_tag_counts(&ws, &[(id, by)]).await.unwrap();
        }
    }))
    .await;
    assert_eq!(count(&store, &ws, &b.id).await, Some(1 + 8 - 2));

    // A renamed tag keeps its count.
    let mut renamed = a.clone();
    renamed.name = "A!".into();
    renamed.version = 2;
    store.put_tag(&renamed, Some(&a)).await.unwrap();
    assert_eq!(count(&store, &ws, &a.id).await, Some(2));

    // Deleted on its version: a stale one is a conflict, and nothing goes.
    assert_eq!(store.delete_tag(&ws, &a).await, Err(StoreError::Conflict));
    assert_eq!(count(&store, &ws, &a.id).await, Some(2));
    assert!(store.delete_tag(&ws, &renamed).await.unwrap());
    assert_eq!(store.get_tag(&ws, &a.id).await.unwrap(), None);
    assert_eq!(count(&store, &ws, &a.id).await, None);
    assert!(
        !store.delete_tag(&ws, &renamed).await.unwrap(),
        "gone already"
    );
    // A move of a deleted tag makes no counter again, and its name is free.
    store
        .add_tag_counts(&ws, &[(a.id.clone(), 1), (b.id.clone(), 1)])
        .await
        .unwrap();
    assert_eq!(count(&store, &ws, &b.id).await, Some(8));
    assert_eq!(store.list_tags(&ws).await.unwrap().len(), 1);
    store.put_tag(&tag(&ws, "a!"), None).await.unwrap();
    assert_eq!(store.list_tags(&ws).await.unwrap().len(), 2);
}

pub async fn contacts_and_dialogs_keep_their_tags(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let tags = vec![
        ContactTag {
            tag: TagId::generate(),
            pinned: true,
        },
        ContactTag {
            tag: TagId::generate(),
            pinned: false,
        },
    ];
    let mut vera = Contact::new(ContactId::generate(), ws.clone(), T0);
    vera.version = 1;
    store.put_contact(&vera, None).await.unwrap();
    let mut tagged = vera.clone();
    tagged.tags = tags.clone();
    tagged.version = 2;
    store.put_contact(&tagged, Some(&vera)).await.unwrap();
    assert_eq!(
        store.get_contact(&ws, &vera.id).await.unwrap(),
        Some(tagged)
    );
    let mut v = new_visitor(&store, &ws).await;
    v.contact = Some(vera.id.clone());
    store.put_visitor(&v).await.unwrap();
    let (mut dialog, messages) = first_message(&v, "hi", T0);
    dialog.tags = tags.clone();
    store
        .commit(&dialog, &messages, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        store.get_dialog(&ws, &dialog.id).await.unwrap(),
        Some(dialog.clone())
    );
    let mut untagged = dialog.clone();
    untagged.tags.clear();
    untagged.version += 1;
    store
        .commit(&untagged, &[], &Default::default())
        .await
        .unwrap();
    assert_eq!(
        store
            .get_dialogs(&ws, std::slice::from_ref(&dialog.id))
            .await
            .unwrap(),
        vec![untagged]
    );
}
