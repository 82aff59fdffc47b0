//! `PushSubscriptionStore`: subscriptions keyed by their endpoint (so one belongs to one operator),
//! found by operator or workspace through an index; each operator's choices in a row of their own.

use super::SqliteStore;
use super::errors::unavailable;
use super::row::{from_json, query_bodies, to_json};
use crate::domain::{PushChoices, PushSubscriber, PushSubscription};
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{PushSubscriptionStore, StoreResult};
use async_trait::async_trait;
use rusqlite::{Connection as Db, OptionalExtension, params};

fn choices_of(db: &Db, ws: &str, op: &str) -> StoreResult<PushChoices> {
    let raw: Option<String> = db
        .query_row(
            "SELECT body FROM push_choices WHERE workspace = ?1 AND operator = ?2",
            params![ws, op],
            |r| r.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    Ok(raw.map(from_json).transpose()?.unwrap_or_default())
}

#[async_trait]
impl PushSubscriptionStore for SqliteStore {
    async fn put_push_subscription(&self, s: &PushSubscription) -> StoreResult<()> {
        let (endpoint, ws, op, at, body) = (
            s.endpoint.clone(),
            s.workspace.to_string(),
            s.operator.to_string(),
            s.created_at,
            to_json(s),
        );
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO push_subscriptions (endpoint, workspace, operator, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![endpoint, ws, op, at, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn delete_push_subscription(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        endpoint: &str,
    ) -> StoreResult<()> {
        let (ws, op, endpoint) = (
            workspace.to_string(),
            operator.to_string(),
            endpoint.to_owned(),
        );
        self.with(move |db| {
            db.execute(
                "DELETE FROM push_subscriptions WHERE endpoint = ?1 AND workspace = ?2 AND operator = ?3",
                params![endpoint, ws, op],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn put_push_choices(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        choices: &PushChoices,
    ) -> StoreResult<()> {
        let (ws, op, body) = (
            workspace.to_string(),
            operator.to_string(),
            to_json(choices),
        );
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO push_choices (workspace, operator, body) VALUES (?1, ?2, ?3)",
                params![ws, op, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn push_subscriber(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<PushSubscriber> {
        let (ws, op, id) = (
            workspace.to_string(),
            operator.to_string(),
            operator.clone(),
        );
        self.with(move |db| {
            let subscriptions = query_bodies(
                db,
                "SELECT body FROM push_subscriptions WHERE workspace = ?1 AND operator = ?2 ORDER BY created_at, endpoint",
                params![ws, op],
            )?;
            Ok(PushSubscriber {
                operator: id,
                choices: choices_of(db, &ws, &op)?,
                subscriptions,
            })
        })
        .await
    }

    async fn push_subscribers(&self, workspace: &WorkspaceId) -> StoreResult<Vec<PushSubscriber>> {
        let ws = workspace.to_string();
        self.with(move |db| {
            let all: Vec<PushSubscription> = query_bodies(
                db,
                "SELECT body FROM push_subscriptions WHERE workspace = ?1 ORDER BY operator, created_at, endpoint",
                params![ws],
            )?;
            let mut subscribers: Vec<PushSubscriber> = Vec::new();
            for s in all {
                match subscribers.last_mut() {
                    Some(last) if last.operator == s.operator => last.subscriptions.push(s),
                    _ => subscribers.push(PushSubscriber {
                        operator: s.operator.clone(),
                        choices: choices_of(db, &ws, s.operator.as_str())?,
                        subscriptions: vec![s],
                    }),
                }
            }
            Ok(subscribers)
        })
        .await
    }
}
