//! `LoadStore` and the loads a dialog commit moves; the queue (`DialogStore::queued_dialogs`).

use std::sync::Arc;

use parlor_core::domain::{Cap, Dialog, Load, LoadMove, Message, Millis, Operator, QueuePace};
use parlor_core::ids::{DialogId, OperatorId, WorkspaceId};
use parlor_core::ports::{Store, StoreError};

use super::{T0, new_visitor, operator, stored_dialog, unique_email};

/// Applies a transition and commits it with the loads it moves (as `Dialogs::commit_change`).
async fn commit_moving(
    store: &Arc<dyn Store>,
    dialog: &mut Dialog,
    cap: Option<Cap>,
    change: impl FnOnce(&mut Dialog) -> Vec<Message>,
) -> Result<(), StoreError> {
    let before = dialog.clone();
    let added = change(dialog);
    dialog.version += 1;
    let moved = LoadMove {
        cap,
        ..LoadMove::between(Some(&before), dialog)
    };
    let done = store.commit(dialog, &added, &moved).await;
    if done.is_err() {
        *dialog = before;
    }
    done
}

fn sorted(mut ids: Vec<DialogId>) -> Vec<DialogId> {
    ids.sort();
    ids
}

async fn load(store: &Arc<dyn Store>, ws: &WorkspaceId, op: &OperatorId) -> Load {
    store.load(ws, op).await.unwrap()
}

const ONE: Cap = Cap {
    max: 1,
    held_counts: false,
};

pub async fn loads_follow_the_open_dialogs_in_charge(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    let boris = operator(&ws, &unique_email("boris"));
    assert_eq!(
        load(&store, &ws, &anna.id).await,
        Load::none(anna.id.clone())
    );
    let mut d = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    commit_moving(&store, &mut d, None, |d| d.join(&anna, T0 + 5).unwrap())
        .await
        .unwrap();
    let taken = load(&store, &ws, &anna.id).await;
    assert_eq!(
        (taken.active.clone(), taken.all.clone()),
        (vec![d.id.clone()], vec![d.id.clone()])
    );
    assert_eq!(taken.last_assigned_at, T0 + 5, "given a dialog at the join");
    assert!(!taken.available, "nobody said she is available");

    // On hold it counts only among all of hers; resumed, it is active again.
    commit_moving(&store, &mut d, None, |d| d.hold(&anna, T0 + 6).unwrap())
        .await
        .unwrap();
    let held = load(&store, &ws, &anna.id).await;
    assert!(held.active.is_empty());
    assert_eq!(held.all, vec![d.id.clone()]);
    assert_eq!(held.last_assigned_at, T0 + 5, "a hold gives her nothing");
    commit_moving(&store, &mut d, None, |d| d.resume(&anna, T0 + 7).unwrap())
        .await
        .unwrap();
    assert_eq!(load(&store, &ws, &anna.id).await.active, vec![d.id.clone()]);

    // Transferred, it moves to Boris; closed, it is nobody's load.
    commit_moving(&store, &mut d, None, |d| {
        d.transfer(&anna, &boris, None, T0 + 8).unwrap()
    })
    .await
    .unwrap();
    assert!(load(&store, &ws, &anna.id).await.all.is_empty());
    assert_eq!(load(&store, &ws, &boris.id).await.all, vec![d.id.clone()]);
    commit_moving(&store, &mut d, None, |d| d.close(&boris, T0 + 9).unwrap())
        .await
        .unwrap();
    let closed = load(&store, &ws, &boris.id).await;
    assert!(closed.all.is_empty() && closed.active.is_empty());

    store.set_available(&ws, &anna.id, true).await.unwrap();
    let mut listed = store.loads(&ws).await.unwrap();
    listed.sort_by(|a, b| a.operator.cmp(&b.operator));
    let mut expected = vec![
        Load {
            available: true,
            last_assigned_at: T0 + 5,
            ..Load::none(anna.id.clone())
        },
        Load {
            last_assigned_at: T0 + 8,
            ..Load::none(boris.id.clone())
        },
    ];
    expected.sort_by(|a, b| a.operator.cmp(&b.operator));
    assert_eq!(listed, expected);
    assert!(
        store
            .loads(&WorkspaceId::generate())
            .await
            .unwrap()
            .is_empty(),
        "another workspace has none"
    );
}

pub async fn an_assignment_needs_an_available_operator_below_the_cap(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    let mut first = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    fn assign(op: &Operator) -> impl FnOnce(&mut Dialog) -> Vec<Message> + '_ {
        move |d| d.assign(op, T0 + 10).unwrap()
    }

    // Not available: refused, and nothing of it is written.
    assert_eq!(
        commit_moving(&store, &mut first, Some(ONE), assign(&anna)).await,
        Err(StoreError::NoRoom)
    );
    let stored = store.get_dialog(&ws, &first.id).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.assignee), (1, None));
    assert_eq!(
        store
            .messages_after(&ws, &first.id, 0, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    store.set_available(&ws, &anna.id, true).await.unwrap();
    commit_moving(&store, &mut first, Some(ONE), assign(&anna))
        .await
        .unwrap();
    let mut second = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    assert_eq!(
        commit_moving(&store, &mut second, Some(ONE), assign(&anna)).await,
        Err(StoreError::NoRoom),
        "at the cap"
    );
    // A join is no assignment: it has no cap.
    let mut third = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    commit_moving(&store, &mut third, None, |d| {
        d.join(&anna, T0 + 11).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(load(&store, &ws, &anna.id).await.active.len(), 2);

    // Holding both frees room where holds do not count, and none where they do.
    for d in [&mut first, &mut third] {
        commit_moving(&store, d, None, |d| d.hold(&anna, T0 + 12).unwrap())
            .await
            .unwrap();
    }
    let counting_held = Cap {
        max: 2,
        held_counts: true,
    };
    assert_eq!(
        commit_moving(&store, &mut second, Some(counting_held), assign(&anna)).await,
        Err(StoreError::NoRoom)
    );
    commit_moving(&store, &mut second, Some(ONE), assign(&anna))
        .await
        .unwrap();
    assert_eq!(sorted(load(&store, &ws, &anna.id).await.all).len(), 3);

    // Marked unavailable (her last console closed): no more.
    store.set_available(&ws, &anna.id, false).await.unwrap();
    let mut fourth = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    let roomy = Cap {
        max: 100,
        held_counts: false,
    };
    assert_eq!(
        commit_moving(&store, &mut fourth, Some(roomy), assign(&anna)).await,
        Err(StoreError::NoRoom)
    );
}

/// Twelve assignments to one operator at once, three allowed: exactly three land.
pub async fn concurrent_assignments_never_pass_the_cap(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    store.set_available(&ws, &anna.id, true).await.unwrap();
    let cap = Cap {
        max: 3,
        held_counts: false,
    };
    let mut dialogs = Vec::new();
    for i in 0..12 {
        dialogs.push(stored_dialog(&store, &new_visitor(&store, &ws).await, T0 + i).await);
    }
    let tries = dialogs.into_iter().map(|mut d| {
        let (store, anna) = (store.clone(), anna.clone());
        tokio::spawn(async move {
            commit_moving(&store, &mut d, Some(cap), |d| {
                d.assign(&anna, T0 + 50).unwrap()
            })
            .await
            .map(|()| d.id)
        })
    });
    let outcomes: Vec<Result<DialogId, StoreError>> = futures_util::future::join_all(tries)
        .await
        .into_iter()
        .map(|joined| joined.unwrap())
        .collect();
    let won: Vec<DialogId> = outcomes.iter().filter_map(|o| o.clone().ok()).collect();
    assert_eq!(won.len(), 3, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(_) | Err(StoreError::NoRoom | StoreError::Conflict))),
        "{outcomes:?}"
    );
    assert_eq!(sorted(load(&store, &ws, &anna.id).await.all), sorted(won));
}

/// An operator marked unavailable (their last console closed) while dialogs are being assigned to
/// them: each assignment either landed before (the dialog is theirs and in their load, for the
/// hand-back to find) or is refused; never a dialog theirs outside their load, or the reverse.
pub async fn an_operator_going_offline_while_being_assigned_keeps_loads_and_dialogs_agreeing(
    store: Arc<dyn Store>,
) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    store.set_available(&ws, &anna.id, true).await.unwrap();
    let cap = Cap {
        max: 100,
        held_counts: false,
    };
    let mut dialogs = Vec::new();
    for i in 0..8 {
        dialogs.push(stored_dialog(&store, &new_visitor(&store, &ws).await, T0 + i).await);
    }
    let ids: Vec<DialogId> = dialogs.iter().map(|d| d.id.clone()).collect();
    let tries = dialogs.into_iter().map(|mut d| {
        let (store, anna) = (store.clone(), anna.clone());
        tokio::spawn(async move {
            commit_moving(&store, &mut d, Some(cap), |d| {
                d.assign(&anna, T0 + 50).unwrap()
            })
            .await
        })
    });
    let offline = {
        let (store, ws, op) = (store.clone(), ws.clone(), anna.id.clone());
        tokio::spawn(async move { store.set_available(&ws, &op, false).await })
    };
    let outcomes = futures_util::future::join_all(tries).await;
    offline.await.unwrap().unwrap();
    for outcome in outcomes {
        let outcome = outcome.unwrap();
        assert!(
            matches!(
                outcome,
                Ok(()) | Err(StoreError::NoRoom | StoreError::Conflict)
            ),
            "{outcome:?}"
        );
    }
    let load = load(&store, &ws, &anna.id).await;
    assert!(!load.available);
    let mut theirs = Vec::new();
    for id in &ids {
        let d = store.get_dialog(&ws, id).await.unwrap().unwrap();
        if d.assignee.is_some_and(|a| a.id == anna.id) {
            theirs.push(id.clone());
        }
    }
    assert_eq!(
        sorted(load.all),
        sorted(theirs),
        "the load is exactly the dialogs she was given"
    );
    // And from now on, nothing more.
    let mut late = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    assert_eq!(
        commit_moving(&store, &mut late, Some(cap), |d| d
            .assign(&anna, T0 + 60)
            .unwrap())
        .await,
        Err(StoreError::NoRoom)
    );
}

pub async fn the_queue_is_read_in_arrival_order(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    let mut queued = Vec::new();
    for at in [T0 + 2, T0 + 1, T0 + 3] {
        let mut d = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
        commit_moving(&store, &mut d, None, |d| d.enqueue(at))
            .await
            .unwrap();
        queued.push(d);
    }
    let not_queued = stored_dialog(&store, &new_visitor(&store, &ws).await, T0).await;
    let ids = |ds: &[&Dialog]| ds.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        store.queued_dialogs(&ws, 10).await.unwrap(),
        ids(&[&queued[1], &queued[0], &queued[2]])
    );
    assert!(
        !store
            .queued_dialogs(&ws, 10)
            .await
            .unwrap()
            .contains(&not_queued.id)
    );
    assert_eq!(
        store.queued_dialogs(&ws, 1).await.unwrap(),
        ids(&[&queued[1]]),
        "the head only"
    );
    // Assigned, it leaves the queue (and is in charge); so does one an operator joins.
    store.set_available(&ws, &anna.id, true).await.unwrap();
    commit_moving(&store, &mut queued[1], Some(ONE), |d| {
        d.assign(&anna, T0 + 9).unwrap()
    })
    .await
    .unwrap();
    commit_moving(&store, &mut queued[2], None, |d| {
        d.join(&anna, T0 + 9).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        store.queued_dialogs(&ws, 10).await.unwrap(),
        ids(&[&queued[0]])
    );
    assert_eq!(
        sorted(store.dialogs_in_charge(&ws, &anna.id).await.unwrap()),
        sorted(ids(&[&queued[1], &queued[2]]))
    );
    assert!(
        store
            .queued_dialogs(&WorkspaceId::generate(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A deleted dialog leaves everything that counted it: its operator's load, the queue, and its
/// contact's list of dialogs.
pub async fn a_deleted_dialog_leaves_its_operators_load_the_queue_and_its_contacts_card(
    store: Arc<dyn Store>,
) {
    let ws = WorkspaceId::generate();
    let anna = operator(&ws, &unique_email("anna"));
    let contact = parlor_core::ids::ContactId::generate();
    let with_contact = |v: parlor_core::domain::Visitor| parlor_core::domain::Visitor {
        contact: Some(contact.clone()),
        ..v
    };
    let v1 = with_contact(super::visitor(&ws));
    store.put_visitor(&v1).await.unwrap();
    let mut taken = stored_dialog(&store, &v1, T0).await;
    commit_moving(&store, &mut taken, None, |d| d.join(&anna, T0 + 1).unwrap())
        .await
        .unwrap();
    let v2 = with_contact(super::visitor(&ws));
    store.put_visitor(&v2).await.unwrap();
    let mut queued = stored_dialog(&store, &v2, T0 + 2).await;
    commit_moving(&store, &mut queued, None, |d| d.enqueue(T0 + 3))
        .await
        .unwrap();
    assert_eq!(
        load(&store, &ws, &anna.id).await.all,
        vec![taken.id.clone()]
    );
    assert_eq!(
        store.queued_dialogs(&ws, 10).await.unwrap(),
        vec![queued.id.clone()]
    );
    assert_eq!(store.contact_dialogs(&ws, &contact).await.unwrap().len(), 2);

    store.delete_dialog(&ws, &taken.id, None).await.unwrap();
    store.delete_dialog(&ws, &queued.id, None).await.unwrap();
    let left = load(&store, &ws, &anna.id).await;
    assert!(left.all.is_empty() && left.active.is_empty(), "{left:?}");
    assert!(store.queued_dialogs(&ws, 10).await.unwrap().is_empty());
    assert!(
        store
            .contact_dialogs(&ws, &contact)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn the_queue_pace_is_kept_per_workspace(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    assert_eq!(store.queue_pace(&ws).await.unwrap(), QueuePace::default());
    let pace = QueuePace {
        gap_ms: 42_000,
        last_departure_at: T0 as Millis,
    };
    store.put_queue_pace(&ws, &pace).await.unwrap();
    assert_eq!(store.queue_pace(&ws).await.unwrap(), pace);
    assert_eq!(
        store.queue_pace(&WorkspaceId::generate()).await.unwrap(),
        QueuePace::default()
    );
}
