//! `LimitStore`: window counters, counted atomically, forgotten when their window ends.

use std::collections::BTreeSet;
use std::sync::Arc;

use parlor_core::domain::Millis;
use parlor_core::ports::{Store, Tally};

use super::T0;

fn key(what: &str) -> String {
    format!("{what}#{}", parlor_core::ids::random_token(""))
}

pub async fn limit_counters_count_within_their_window(store: Arc<dyn Store>) {
    let k = key("test");
    let ends = T0 + 60_000;
    assert_eq!(
        store.tally(&k, T0).await.unwrap(),
        None,
        "nothing counted yet"
    );
    assert_eq!(
        store.hit(&k, T0, ends).await.unwrap(),
        Tally {
            count: 1,
            previous_at: None,
            ends_at: ends
        }
    );
    // A later hit asks for a later end: the running window keeps its own.
    assert_eq!(
        store.hit(&k, T0 + 1000, ends + 1000).await.unwrap(),
        Tally {
            count: 2,
            previous_at: Some(T0),
            ends_at: ends
        }
    );
    assert_eq!(
        store.hit(&k, T0 + 2500, ends + 2500).await.unwrap(),
        Tally {
            count: 3,
            previous_at: Some(T0 + 1000),
            ends_at: ends
        }
    );
    assert_eq!(
        store.tally(&k, T0 + 3000).await.unwrap(),
        Some(Tally {
            count: 3,
            previous_at: Some(T0 + 2500),
            ends_at: ends
        }),
        "a tally counts nothing"
    );
    assert_eq!(
        store.tally(&k, T0 + 3000).await.unwrap().map(|t| t.count),
        Some(3)
    );
    assert_eq!(
        store.tally(&key("other"), T0).await.unwrap(),
        None,
        "counters are per key"
    );

    // The window is over: the counter is gone, and the next hit starts a new one.
    assert_eq!(store.tally(&k, ends).await.unwrap(), None);
    let next_end = ends + 60_000;
    assert_eq!(
        store.hit(&k, ends, next_end).await.unwrap(),
        Tally {
            count: 1,
            previous_at: None,
            ends_at: next_end
        }
    );
}

pub async fn concurrent_limit_hits_each_get_a_count_of_their_own(store: Arc<dyn Store>) {
    let k = key("burst");
    let hits: Vec<_> = (0..20)
        .map(|i| {
            let (store, k) = (store.clone(), k.clone());
            tokio::spawn(async move { store.hit(&k, T0 + i, T0 + 60_000).await.unwrap() })
        })
        .collect();
    let mut counts = BTreeSet::new();
    for hit in hits {
        let tally = hit.await.unwrap();
        assert_eq!(tally.ends_at, T0 + 60_000);
        counts.insert(tally.count);
    }
    assert_eq!(counts, (1..=20).collect(), "none lost, none twice");
    assert_eq!(
        store.tally(&k, T0 + 100).await.unwrap().map(|t| t.count),
        Some(20)
    );
}

/// A window that ended but whose counter is still stored (TTL deletes lazily) starts over once,
/// however many hits arrive together.
pub async fn an_ended_window_starts_over_once_under_concurrent_hits(store: Arc<dyn Store>) {
    let k = key("restart");
    for i in 0..5 {
        store.hit(&k, T0 + i, T0 + 1000).await.unwrap();
    }
    let later: Millis = T0 + 5000;
    let hits: Vec<_> = (0..10)
        .map(|_| {
            let (store, k) = (store.clone(), k.clone());
            tokio::spawn(async move { store.hit(&k, later, later + 1000).await.unwrap() })
        })
        .collect();
    let mut counts = BTreeSet::new();
    for hit in hits {
        let tally = hit.await.unwrap();
        assert_eq!(tally.ends_at, later + 1000, "the new window's end");
        counts.insert(tally.count);
    }
    assert_eq!(
        counts,
        (1..=10).collect(),
        "the old window's 5 are not carried over"
    );
}

pub async fn a_forgotten_counter_starts_again(store: Arc<dyn Store>) {
    let (k, other) = (key("forget"), key("kept"));
    store.hit(&k, T0, T0 + 60_000).await.unwrap();
    store.hit(&k, T0 + 1, T0 + 60_000).await.unwrap();
    store.hit(&other, T0, T0 + 60_000).await.unwrap();
    store.forget(&k).await.unwrap();
    assert_eq!(store.tally(&k, T0 + 2).await.unwrap(), None);
    assert_eq!(
        store.hit(&k, T0 + 3, T0 + 90_000).await.unwrap(),
        Tally {
            count: 1,
            previous_at: None,
            ends_at: T0 + 90_000
        }
    );
    assert_eq!(
        store.tally(&other, T0 + 3).await.unwrap().map(|t| t.count),
        Some(1),
        "only that key is forgotten"
    );
    store.forget(&key("never")).await.unwrap();
}
