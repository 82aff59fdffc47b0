//! `GroupStore`: a workspace's groups, in the workspace's partition, and which of them each
//! operator belongs to.

use async_trait::async_trait;

use super::DynamoStore;
use super::errors::{condition_held, unavailable};
use super::item::{item_of, key_of, parse_items, s, to_attr};
use super::keys;
use crate::domain::{Group, Rights};
use crate::ids::{GroupId, OperatorId, WorkspaceId};
use crate::ports::{GroupStore, StoreError, StoreResult};

#[async_trait]
impl GroupStore for DynamoStore {
    async fn put_group(&self, group: &Group) -> StoreResult<()> {
        self.put(item_of(
            "group",
            keys::group(&group.workspace, &group.id),
            group,
        )?)
        .await
    }

    async fn list_groups(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Group>> {
        let (pk, _) = keys::workspace(workspace);
        let query = self
            .query_partition(pk)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::GROUP_PREFIX));
        let mut groups: Vec<Group> = parse_items(self.collect(query, None).await?)?;
        // Ids are random, so the sort key's order is not the creation order.
        groups.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(groups)
    }

    async fn delete_group(&self, workspace: &WorkspaceId, id: &GroupId) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::group(workspace, id))))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Updates the operator, then each of its connection records, as `set_operator_status` does:
    /// not one transaction, so a connection opened meanwhile carries what its opener read, and the
    /// next change corrects it.
    async fn set_operator_access(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        groups: &[GroupId],
        rights: &Rights,
    ) -> StoreResult<()> {
        let groups = to_attr(serde_json::to_value(groups).map_err(stored)?);
        let rights = to_attr(serde_json::to_value(rights).map_err(stored)?);
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::operator(workspace, id))))
            // A change of the record: its version moves, so an update read before it loses the
            // race rather than putting the old groups back.
            .update_expression("SET #groups = :groups, #rights = :rights ADD #version :one")
            // An unknown operator is left alone rather than created as a fragment.
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#groups", "groups")
            .expression_attribute_names("#rights", "rights")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(
                ":one",
                aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
            )
            .expression_attribute_values(":groups", groups)
            .expression_attribute_values(":rights", rights.clone())
            .send()
            .await;
        if !condition_held(updated)? {
            return Ok(());
        }
        self.set_on_operator_connections(workspace, id, "rights", rights)
            .await?;
        Ok(())
    }
}

fn stored(e: serde_json::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot store rights: {e}"))
}
