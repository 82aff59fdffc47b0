//! `ReportStore`: counters added per workspace, day and operator, none lost to a race; a period
//! read as a range; presence marks swapped on the expected one.

use std::sync::Arc;

use parlor_core::domain::{Day, Figures, Presence, PresenceMark};
use parlor_core::ids::{OperatorId, WorkspaceId};
use parlor_core::ports::{ReportRow, Store, StoreError};

fn day(raw: &str) -> Day {
    Day::parse(raw).expect("a day")
}

pub async fn report_counters_add_up_per_day_and_operator(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let other_ws = WorkspaceId::generate();
    let (ann, bob) = (OperatorId::generate(), OperatorId::generate());
    let reply = Figures {
        replies: 1,
        reply_ms: 4_000,
        ..Figures::default()
    };
    store
        .add_figures(&ws, day("2026-12-03"), &ann, &reply)
        .await
        .unwrap();
    store
        .add_figures(&ws, day("2026-12-03"), &ann, &reply)
        .await
        .unwrap();
    store
        .add_figures(
            &ws,
            day("2026-12-04"),
            &bob,
            &Figures::time_in(Presence::Away, 7),
        )
        .await
        .unwrap();
    // Outside the period, or another workspace's: never read.
    store
        .add_figures(&ws, day("2026-12-05"), &ann, &reply)
        .await
        .unwrap();
    store
        .add_figures(&ws, day("2026-12-02"), &ann, &reply)
        .await
        .unwrap();
    store
        .add_figures(&other_ws, day("2026-12-03"), &ann, &reply)
        .await
        .unwrap();
    // Nothing to add writes nothing.
    store
        .add_figures(&ws, day("2026-12-04"), &ann, &Figures::default())
        .await
        .unwrap();

    let rows = store
        .report_rows(&ws, day("2026-12-03"), day("2026-12-04"))
        .await
        .unwrap();
    assert_eq!(
        rows,
        [
            ReportRow {
                day: day("2026-12-03"),
                operator: ann.clone(),
                figures: Figures {
                    replies: 2,
                    reply_ms: 8_000,
                    ..Figures::default()
                },
            },
            ReportRow {
                day: day("2026-12-04"),
                operator: bob.clone(),
                figures: Figures::time_in(Presence::Away, 7),
            },
        ]
    );
    let one_day = store
        .report_rows(&ws, day("2026-12-05"), day("2026-12-05"))
        .await
        .unwrap();
    assert_eq!(one_day.len(), 1);
    assert_eq!(one_day[0].figures, reply);
}

pub async fn concurrent_report_additions_are_all_counted(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let op = OperatorId::generate();
    let today = day("2026-12-04");
    let adds = (0..20).map(|i| {
        let store = store.clone();
        let (ws, op) = (ws.clone(), op.clone());
        tokio::spawn(async move {
            let figures = Figures {
                closed: 1,
                resolution_ms: 1_000 + i,
                missed: i % 2,
                ..Figures::default()
            };
            store.add_figures(&ws, today, &op, &figures).await.unwrap();
        })
    });
    for add in futures_util::future::join_all(adds).await {
        add.unwrap();
    }
    let rows = store.report_rows(&ws, today, today).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].figures.closed,
            rows[0].figures.resolution_ms,
            rows[0].figures.missed
        ),
        (20, 20 * 1_000 + (0..20).sum::<u64>(), 10)
    );
}

pub async fn presence_marks_swap_on_the_expected_one(store: Arc<dyn Store>) {
    let ws = WorkspaceId::generate();
    let op = OperatorId::generate();
    assert_eq!(store.presence_mark(&ws, &op).await.unwrap(), None);
    let online = PresenceMark {
        presence: Presence::Online,
        since: 1_000,
    };
    store
        .swap_presence_mark(&ws, &op, None, &online)
        .await
        .unwrap();
    assert_eq!(
        store.swap_presence_mark(&ws, &op, None, &online).await,
        Err(StoreError::Conflict),
        "a mark exists already"
    );
    assert_eq!(store.presence_mark(&ws, &op).await.unwrap(), Some(online));
    let away = PresenceMark {
        presence: Presence::Away,
        since: 5_000,
    };
    let stale = PresenceMark {
        presence: Presence::Online,
        since: 999,
    };
    assert_eq!(
        store
            .swap_presence_mark(&ws, &op, Some(&stale), &away)
            .await,
        Err(StoreError::Conflict)
    );
    store
        .swap_presence_mark(&ws, &op, Some(&online), &away)
        .await
        .unwrap();
    assert_eq!(store.presence_mark(&ws, &op).await.unwrap(), Some(away));
    // Of two swaps from the same mark, one wins.
    let (a, b) = futures_util::future::join(
        store.swap_presence_mark(
            &ws,
            &op,
            Some(&away),
            &PresenceMark {
                presence: Presence::Offline,
                since: 6_000,
            },
        ),
        store.swap_presence_mark(
            &ws,
            &op,
            Some(&away),
            &PresenceMark {
                presence: Presence::NoConsole,
                since: 6_000,
            },
        ),
    )
    .await;
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{a:?} {b:?}"
    );
    assert!(
        store
            .presence_mark(&WorkspaceId::generate(), &op)
            .await
            .unwrap()
            .is_none()
    );
}
