//! `ConsoleWatchStore`: one item per watched operator in their workspace's partition, listed by
//! due time through GSI2 (one index partition for every workspace: the sweep reads only what is due).

use async_trait::async_trait;

use super::errors::condition_held;
use super::item::{item_of, key_of, n, u64_attr, with_gsi2};
use super::{DynamoStore, keys};
use crate::domain::Millis;
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{ConsoleWatch, ConsoleWatchStore, StoreError, StoreResult};

#[derive(serde::Serialize)]
struct Stored<'a> {
    workspace: &'a WorkspaceId,
    operator: &'a OperatorId,
    due_at: Millis,
}

#[async_trait]
impl ConsoleWatchStore for DynamoStore {
    /// One PutItem.
    async fn watch_console(&self, watch: &ConsoleWatch) -> StoreResult<()> {
        let key = keys::console_watch(&watch.workspace, &watch.operator);
        let stored = Stored {
            workspace: &watch.workspace,
            operator: &watch.operator,
            due_at: watch.due_at,
        };
        let due = keys::console_due(watch.due_at, &watch.workspace, &watch.operator);
        let item = item_of("console_watch", key, &stored)?;
        self.put(with_gsi2(item, (keys::CONSOLES_DUE.into(), due)))
            .await
    }

    /// One strongly consistent GetItem.
    async fn console_watch(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Option<ConsoleWatch>> {
        let item = self.get(keys::console_watch(workspace, operator)).await?;
        Ok(item.map(|item| ConsoleWatch {
            workspace: workspace.clone(),
            operator: operator.clone(),
            due_at: u64_attr(&item, "due_at") as Millis,
        }))
    }

    /// One conditional DeleteItem.
    async fn unwatch_console(&self, watch: &ConsoleWatch) -> StoreResult<bool> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::console_watch(
                &watch.workspace,
                &watch.operator,
            ))))
            .condition_expression("due_at = :due")
            .expression_attribute_values(":due", n(watch.due_at))
            .send()
            .await;
        condition_held(deleted)
    }

    /// One Query of GSI2's console partition, up to `now`: O(what it returns).
    async fn consoles_due(&self, now: Millis, limit: usize) -> StoreResult<Vec<ConsoleWatch>> {
        self.due_keys(keys::CONSOLES_DUE, now, limit)
            .await?
            .iter()
            .map(|key| {
                let (due_at, workspace, operator) =
                    keys::parse_console_due(key).ok_or_else(|| {
                        StoreError::Unavailable(format!("a console watch key is malformed: {key}"))
                    })?;
                Ok(ConsoleWatch {
                    workspace,
                    operator,
                    due_at,
                })
            })
            .collect()
    }
}
