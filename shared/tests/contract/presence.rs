//! `ConsoleWatchStore` and `ConnectionStore::touch_connection`: what presence and the hand-back
//! sweep keep.

use std::sync::Arc;

use parlor_core::ids::{OperatorId, WorkspaceId};
use parlor_core::ports::{ConsoleWatch, Store};

use super::{T0, in_two_hours, operator_connection};

fn watch(ws: &WorkspaceId, op: &OperatorId, due_at: i64) -> ConsoleWatch {
    ConsoleWatch {
        workspace: ws.clone(),
        operator: op.clone(),
        due_at,
    }
}

/// The due watches of this workspace (the store may hold other tests' watches).
async fn due_in(store: &Arc<dyn Store>, ws: &WorkspaceId, now: i64) -> Vec<ConsoleWatch> {
    let all = store.consoles_due(now, 1000).await.unwrap();
    all.into_iter().filter(|w| &w.workspace == ws).collect()
}

pub async fn console_watches_come_due_in_order_and_move_ahead(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let (anna, boris, carl) = (
        OperatorId::generate(),
        OperatorId::generate(),
        OperatorId::generate(),
    );
    assert_eq!(store.console_watch(&ws, &anna).await.unwrap(), None);
    store
        .watch_console(&watch(&ws, &boris, T0 + 20))
        .await
        .unwrap();
    store
        .watch_console(&watch(&ws, &anna, T0 + 10))
        .await
        .unwrap();
    store
        .watch_console(&watch(&ws, &carl, T0 + 30))
        .await
        .unwrap();
    assert_eq!(
        store.console_watch(&ws, &anna).await.unwrap(),
        Some(watch(&ws, &anna, T0 + 10))
    );
    assert!(due_in(&store, &ws, T0 + 9).await.is_empty(), "none due yet");
    assert_eq!(
        due_in(&store, &ws, T0 + 20).await,
        [watch(&ws, &anna, T0 + 10), watch(&ws, &boris, T0 + 20)],
        "the earliest first, up to now included"
    );
    // A console heard of moves Anna's watch ahead: one watch per operator, never two.
    store
        .watch_console(&watch(&ws, &anna, T0 + 40))
        .await
        .unwrap();
    assert_eq!(
        due_in(&store, &ws, T0 + 35).await,
        [watch(&ws, &boris, T0 + 20), watch(&ws, &carl, T0 + 30)]
    );
    assert_eq!(
        store.console_watch(&ws, &anna).await.unwrap(),
        Some(watch(&ws, &anna, T0 + 40))
    );
}

pub async fn a_console_watch_is_unwatched_only_as_it_was_read(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = OperatorId::generate();
    let read = watch(&ws, &anna, T0 + 10);
    store.watch_console(&read).await.unwrap();
    // A console opened after the sweep read the watch moved it: the sweep leaves it.
    store
        .watch_console(&watch(&ws, &anna, T0 + 99))
        .await
        .unwrap();
    assert!(!store.unwatch_console(&read).await.unwrap());
    assert_eq!(
        store.console_watch(&ws, &anna).await.unwrap(),
        Some(watch(&ws, &anna, T0 + 99))
    );
    assert!(
        store
            .unwatch_console(&watch(&ws, &anna, T0 + 99))
            .await
            .unwrap()
    );
    assert_eq!(store.console_watch(&ws, &anna).await.unwrap(), None);
    assert!(due_in(&store, &ws, T0 + 1000).await.is_empty());
    assert!(
        !store
            .unwatch_console(&watch(&ws, &anna, T0 + 99))
            .await
            .unwrap(),
        "gone already"
    );
}

pub async fn a_connection_remembers_when_it_was_last_heard_from(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let anna = OperatorId::generate();
    let c = operator_connection(&ws, &anna, in_two_hours());
    store.put_connection(&c).await.unwrap();
    assert_eq!(
        store.get_connection(&c.id).await.unwrap().unwrap().seen_at,
        None
    );
    store.touch_connection(&c.id, T0 + 5).await.unwrap();
    let heard = store.get_connection(&c.id).await.unwrap().unwrap();
    assert_eq!(heard.seen_at, Some(T0 + 5));
    assert_eq!(heard.peer, c.peer, "nothing else changes");
    store.delete_connection(&c.id).await.unwrap();
    store.touch_connection(&c.id, T0 + 6).await.unwrap();
    assert_eq!(
        store.get_connection(&c.id).await.unwrap(),
        None,
        "a closed connection does not come back"
    );
}
