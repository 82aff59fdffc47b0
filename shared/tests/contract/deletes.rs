//! `DialogStore::delete_dialog`: a dialog goes with everything stored under it, and nothing else.

use std::sync::Arc;

use parlor_core::domain::{
    Dialog, DialogStatus, IndexEntry, Message, ReadMarker, Receipt, Receipts, SearchField, Side,
    Visitor,
};
use parlor_core::ids::{DialogId, OperatorId, WorkspaceId};
use parlor_core::ports::{Store, StoreError};

use super::{T0, first_message, new_visitor, next_message};

/// A dialog of two messages with receipts, two operators' read markers and search terms.
async fn furnished(
    store: &Arc<dyn Store>,
    v: &Visitor,
    id: Option<&DialogId>,
    readers: &[OperatorId],
) -> Dialog {
    let (mut dialog, mut messages) = first_message(v, "first", T0);
    if let Some(id) = id {
        // The same id in another workspace: the messages carry it too.
        dialog.id = id.clone();
        for m in &mut messages {
            m.dialog_id = id.clone();
        }
    }
    store
        .commit(&dialog, &messages)
        .await
        .expect("first commit");
    let more = next_message(&mut dialog, v, "second", T0 + 1);
    store.commit(&dialog, &more).await.expect("second commit");
    let ws = &v.workspace;
    store
        .advance_receipt(ws, &dialog.id, Side::Visitor, Receipt::Read, 2)
        .await
        .unwrap();
    for op in readers {
        store
            .put_read_marker(&ReadMarker {
                workspace: ws.clone(),
                operator: op.clone(),
                dialog: dialog.id.clone(),
                visitor_messages_read: 2,
                marked_unread: false,
            })
            .await
            .unwrap();
    }
    let term = |term: &str, field, seq| IndexEntry {
        term: term.into(),
        dialog: dialog.id.clone(),
        field,
        seq,
        at: T0,
    };
    store
        .index_terms(
            ws,
            &[
                term("hello", SearchField::Message, Some(2)),
                term("second", SearchField::Message, Some(2)),
                term("vera", SearchField::Name, None),
            ],
        )
        .await
        .unwrap();
    dialog
}

/// What is stored under a dialog, as the ports read it back.
#[derive(Debug, PartialEq)]
struct Held {
    dialog: bool,
    messages: usize,
    claim: bool,
    receipts: Receipts,
    markers: usize,
    terms: usize,
    listed: bool,
}

async fn held(
    store: &Arc<dyn Store>,
    ws: &WorkspaceId,
    id: &DialogId,
    readers: &[OperatorId],
) -> Held {
    let claim = parlor_core::ids::ClientMessageId::parse("second").unwrap();
    let mut markers = 0;
    for op in readers {
        markers += store
            .read_markers(ws, op, &[id.clone()])
            .await
            .unwrap()
            .len();
    }
    let mut terms = 0;
    for prefix in ["hello", "second", "vera"] {
        let found = store.find_terms(ws, prefix, 1000).await.unwrap();
        terms += found.iter().filter(|e| &e.dialog == id).count();
    }
    let listed = store
        .list_dialogs(ws, DialogStatus::Open, None, 1000)
        .await
        .unwrap()
        .iter()
        .any(|d| &d.id == id);
    Held {
        dialog: store.get_dialog(ws, id).await.unwrap().is_some(),
        messages: store.messages_after(ws, id, 0, 100).await.unwrap().len(),
        claim: store
            .find_message_by_client_id(ws, id, &claim)
            .await
            .unwrap()
            .is_some(),
        receipts: store.get_receipts(ws, id).await.unwrap(),
        markers,
        terms,
        listed,
    }
}

fn everything(readers: usize) -> Held {
    Held {
        dialog: true,
        messages: 2,
        claim: true,
        receipts: Receipts {
            visitor_read: 2,
            ..Receipts::default()
        },
        markers: readers,
        terms: 3,
        listed: true,
    }
}

fn nothing() -> Held {
    Held {
        dialog: false,
        messages: 0,
        claim: false,
        receipts: Receipts::default(),
        markers: 0,
        terms: 0,
        listed: false,
    }
}

pub async fn a_deleted_dialog_goes_with_everything_under_it_and_nothing_else(
    store: Arc<dyn Store>,
) {
    let (ws, other_ws) = (WorkspaceId::generate(), WorkspaceId::generate());
    let readers = [OperatorId::generate(), OperatorId::generate()];
    let (vera, ivan) = (
        new_visitor(&store, &ws).await,
        new_visitor(&store, &ws).await,
    );
    let doomed = furnished(&store, &vera, None, &readers).await;
    let kept = furnished(&store, &ivan, None, &readers).await;
    // Another workspace's dialog of the same id is never touched.
    let stranger = new_visitor(&store, &other_ws).await;
    furnished(&store, &stranger, Some(&doomed.id), &readers).await;
    assert_eq!(held(&store, &ws, &doomed.id, &readers).await, everything(2));

    let gone = store.delete_dialog(&ws, &doomed.id).await.unwrap();
    assert_eq!(gone.map(|d| d.id), Some(doomed.id.clone()));

    assert_eq!(held(&store, &ws, &doomed.id, &readers).await, nothing());
    assert_eq!(held(&store, &ws, &kept.id, &readers).await, everything(2));
    assert_eq!(
        held(&store, &other_ws, &doomed.id, &readers).await,
        everything(2)
    );
    // The visitor's link went with it: their next message starts a new dialog.
    let vera = store.get_visitor(&ws, &vera.id).await.unwrap().unwrap();
    assert_eq!(vera.dialog, None);
    let ivan = store.get_visitor(&ws, &ivan.id).await.unwrap().unwrap();
    assert_eq!(ivan.dialog, Some(kept.id.clone()));
    let (fresh, messages) = first_message(&vera, "again", T0 + 5);
    store.commit(&fresh, &messages).await.unwrap();
    let vera = store.get_visitor(&ws, &vera.id).await.unwrap().unwrap();
    assert_eq!(vera.dialog, Some(fresh.id.clone()));

    // Deleting it again finds nothing, and leaves the visitor's new dialog alone.
    assert_eq!(store.delete_dialog(&ws, &doomed.id).await.unwrap(), None);
    assert_eq!(
        store
            .delete_dialog(&other_ws, &DialogId::generate())
            .await
            .unwrap(),
        None
    );
    let vera = store.get_visitor(&ws, &vera.id).await.unwrap().unwrap();
    assert_eq!(vera.dialog, Some(fresh.id));
}

pub async fn a_commit_after_the_delete_is_refused_and_leaves_nothing(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let vera = new_visitor(&store, &ws).await;
    let mut dialog = furnished(&store, &vera, None, &[]).await;
    // The use-case read the dialog (at version 2) before the delete; its commit comes after.
    let late: Vec<Message> = next_message(&mut dialog, &vera, "late", T0 + 2);
    store.delete_dialog(&ws, &dialog.id).await.unwrap();
    assert_eq!(
        store.commit(&dialog, &late).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(held(&store, &ws, &dialog.id, &[]).await, nothing());
}
