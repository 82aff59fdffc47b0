//! `QuickReplyStore`: an operator's quick replies, one partition per operator.

use async_trait::async_trait;

use super::DynamoStore;
use super::errors::unavailable;
use super::item::{item_of, key_of, parse_items, s};
use super::keys;
use crate::domain::QuickReply;
use crate::ids::{OperatorId, QuickReplyId, WorkspaceId};
use crate::ports::{QuickReplyStore, StoreResult};

#[async_trait]
impl QuickReplyStore for DynamoStore {
    async fn put_quick_reply(&self, reply: &QuickReply) -> StoreResult<()> {
        let key = keys::quick_reply(&reply.workspace, &reply.operator, &reply.id);
        self.put(item_of("quick_reply", key, reply)?).await
    }

    async fn list_quick_replies(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<QuickReply>> {
        let query = self
            .query_partition(keys::quick_replies_partition(workspace, operator))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::QUICK_REPLY_PREFIX));
        let mut replies: Vec<QuickReply> = parse_items(self.collect(query, None).await?)?;
        // Ids are random, so the sort key's order is not the creation order.
        replies.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(replies)
    }

    async fn delete_quick_reply(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        id: &QuickReplyId,
    ) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::quick_reply(workspace, operator, id))))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
