//! `DialogStore::delete_dialog`: a dialog goes with everything stored under it, and nothing else.

use std::sync::Arc;

use parlor_core::domain::{
    Dialog, DialogStatus, IndexEntry, Message, Millis, Operator, ReadMarker, Receipt, Receipts,
    SearchField, Side, Visitor,
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
        .commit(&dialog, &messages, &Default::default())
        .await
        .expect("first commit");
    let more = next_message(&mut dialog, v, "second", T0 + 1);
    store
        .commit(&dialog, &more, &Default::default())
        .await
        .expect("second commit");
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
            .read_markers(ws, op, std::slice::from_ref(id))
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

    let gone = store.delete_dialog(&ws, &doomed.id, None).await.unwrap();
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
    store
        .commit(&fresh, &messages, &Default::default())
        .await
        .unwrap();
    let vera = store.get_visitor(&ws, &vera.id).await.unwrap().unwrap();
    assert_eq!(vera.dialog, Some(fresh.id.clone()));

    // Deleting it again finds nothing, and leaves the visitor's new dialog alone.
    assert_eq!(
        store.delete_dialog(&ws, &doomed.id, None).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .delete_dialog(&other_ws, &DialogId::generate(), None)
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
    store.delete_dialog(&ws, &dialog.id, None).await.unwrap();
    assert_eq!(
        store.commit(&dialog, &late, &Default::default()).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(held(&store, &ws, &dialog.id, &[]).await, nothing());
}

pub async fn a_delete_at_a_version_deletes_only_that_version(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let vera = new_visitor(&store, &ws).await;
    let dialog = furnished(&store, &vera, None, &[]).await;
    assert_eq!(dialog.version, 2);
    assert_eq!(
        store.delete_dialog(&ws, &dialog.id, Some(1)).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(held(&store, &ws, &dialog.id, &[]).await, everything(0));
    let gone = store.delete_dialog(&ws, &dialog.id, Some(2)).await.unwrap();
    assert_eq!(gone.map(|d| d.version), Some(2));
    assert_eq!(held(&store, &ws, &dialog.id, &[]).await, nothing());
    assert_eq!(
        store.delete_dialog(&ws, &dialog.id, Some(2)).await,
        Err(StoreError::Conflict),
        "no dialog is not the dialog at that version"
    );
}

/// This workspace's due dialogs by `now` (the index holds every workspace's).
async fn due_in(store: &Arc<dyn Store>, ws: &WorkspaceId, now: Millis) -> Vec<(DialogId, Millis)> {
    let all = store.dialogs_due(now, 10_000).await.unwrap();
    all.into_iter()
        .filter(|d| &d.workspace == ws)
        .map(|d| (d.dialog, d.due_at))
        .collect()
}

/// Closes the stored dialog, due `keep_days` later (the close at `at`), and commits it.
async fn close(
    store: &Arc<dyn Store>,
    dialog: &mut Dialog,
    op: &Operator,
    at: Millis,
    keep_days: Option<u32>,
) {
    let added = dialog.close_keeping(op, at, keep_days).unwrap();
    dialog.version += 1;
    store
        .commit(dialog, &added, &Default::default())
        .await
        .unwrap();
}

const DAY: Millis = 24 * 3600 * 1000;

pub async fn closed_dialogs_come_due_in_order_and_a_reopened_one_leaves_the_index(
    store: Arc<dyn Store>,
) {
    let ws = WorkspaceId::generate();
    let anna = super::operator(&ws, &super::unique_email("anna"));
    let mut dialogs = Vec::new();
    for _ in 0..4 {
        let v = new_visitor(&store, &ws).await;
        dialogs.push(furnished(&store, &v, None, &[]).await);
    }
    let [a, b, c, kept] = &mut dialogs[..] else {
        unreachable!()
    };
    close(&store, a, &anna, T0 + 20, Some(2)).await;
    close(&store, b, &anna, T0 + 10, Some(1)).await;
    close(&store, c, &anna, T0 + 30, Some(1)).await;
    // Closed without retention: never due.
    close(&store, kept, &anna, T0, None).await;
    assert_eq!(due_in(&store, &ws, T0 + DAY).await, vec![]);
    assert_eq!(
        due_in(&store, &ws, T0 + 30 + DAY).await,
        vec![(b.id.clone(), T0 + 10 + DAY), (c.id.clone(), T0 + 30 + DAY)]
    );
    assert_eq!(store.dialogs_due(T0 + 30 + DAY, 0).await.unwrap(), vec![]);

    // C reopens (a visitor writes): once its stale entry is forgotten (the sweep's part: an
    // entry may outlive its dialog's reopening), it is not due any more.
    let v = store.get_visitor(&ws, &c.visitor).await.unwrap().unwrap();
    let added = next_message(c, &v, "back", T0 + 40);
    store.commit(c, &added, &Default::default()).await.unwrap();
    assert_eq!(c.delete_at, None);
    for entry in store.dialogs_due(T0 + 3 * DAY, 10_000).await.unwrap() {
        if entry.dialog == c.id {
            store.forget_due(&entry).await.unwrap();
        }
    }
    let due = due_in(&store, &ws, T0 + 3 * DAY).await;
    assert_eq!(
        due,
        vec![
            (b.id.clone(), T0 + 10 + DAY),
            (a.id.clone(), T0 + 20 + 2 * DAY)
        ]
    );

    // C closes again, due later: forgetting the entry read before leaves the new one.
    close(&store, c, &anna, T0 + 50, Some(5)).await;
    store
        .forget_due(&parlor_core::ports::DueDialog {
            workspace: ws.clone(),
            dialog: c.id.clone(),
            due_at: T0 + 30 + DAY,
        })
        .await
        .unwrap();
    assert!(
        due_in(&store, &ws, T0 + 50 + 5 * DAY)
            .await
            .contains(&(c.id.clone(), T0 + 50 + 5 * DAY))
    );

    // A deleted dialog leaves the index with everything else.
    store
        .delete_dialog(&ws, &b.id, Some(b.version))
        .await
        .unwrap();
    assert!(
        !due_in(&store, &ws, T0 + 10 * DAY)
            .await
            .iter()
            .any(|(id, _)| id == &b.id)
    );
}
