//! `ConnectionStore`: one item per WebSocket connection, listed through GSI1 by operator or visitor;
//! forgotten by TTL, and filtered out once expired.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::errors::{condition_held, unavailable};
use super::item::{item_of, key_of, n, parse_items, s, str_attr, with_gsi1, with_ttl};
use super::keys::GSI1SK;
use super::{DynamoStore, keys, now};
use crate::domain::{Connection, Millis};
use crate::ids::{ConnectionId, OperatorId, VisitorId, WorkspaceId};
use crate::ports::{ConnectionStore, StoreResult};
use aws_sdk_dynamodb::types::AttributeValue;

impl DynamoStore {
    async fn connections(&self, query: QueryFluentBuilder) -> StoreResult<Vec<Connection>> {
        // TTL deletes lazily (typically within days), so expired records are filtered here.
        let live = query
            .filter_expression("#expires > :now")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(":now", n(now()));
        parse_items(self.collect(live, None).await?)
    }

    /// Sets `peer.{field}` on each of the operator's connection records (their status, role or
    /// rights, which fanning out reads there): one Query of `GSI1`, one UpdateItem per connection.
    /// Not one transaction with the operator's own write: a connection opened meanwhile carries
    /// what its opener read, and the next change corrects it. A connection closed meanwhile stays
    /// closed rather than coming back as a fragment.
    pub(super) async fn set_on_operator_connections(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        field: &str,
        value: AttributeValue,
    ) -> StoreResult<()> {
        let mine = self
            .query_gsi1(keys::operator_connections(workspace))
            .key_condition_expression("#gpk = :gpk AND begins_with(#gsk, :mine)")
            .expression_attribute_names("#gsk", GSI1SK)
            .expression_attribute_values(":mine", s(keys::operator_connection_prefix(operator)));
        for item in self.collect(mine, None).await? {
            let connection = ConnectionId::from_trusted(str_attr(&item, "id")?);
            let updated = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_of(keys::connection(&connection))))
                .update_expression("SET #peer.#field = :value")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_names("#peer", "peer")
                .expression_attribute_names("#field", field)
                .expression_attribute_values(":value", value.clone())
                .send()
                .await;
            condition_held(updated)?;
        }
        Ok(())
    }
}

#[async_trait]
impl ConnectionStore for DynamoStore {
    async fn put_connection(&self, connection: &Connection) -> StoreResult<()> {
        let item = item_of("connection", keys::connection(&connection.id), connection)?;
        self.put(with_ttl(
            with_gsi1(item, keys::connection_gsi1(connection)),
            connection.expires_at,
        ))
        .await
    }

    /// An expired record that TTL has not deleted yet is absent, as it is in every query.
    async fn get_connection(&self, id: &ConnectionId) -> StoreResult<Option<Connection>> {
        let connection: Option<Connection> = self.get_parsed(keys::connection(id)).await?;
        Ok(connection.filter(|c| c.expires_at > now()))
    }

    async fn delete_connection(&self, id: &ConnectionId) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::connection(id))))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// One UpdateItem; a connection deleted meanwhile is not brought back as a fragment.
    async fn touch_connection(&self, id: &ConnectionId, at: Millis) -> StoreResult<()> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::connection(id))))
            .update_expression("SET #seen = :at")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#seen", "seen_at")
            .expression_attribute_values(":at", n(at))
            .send()
            .await;
        condition_held(updated)?;
        Ok(())
    }

    async fn operator_connections(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Connection>> {
        self.connections(
            self.query_gsi1(keys::operator_connections(workspace))
                .key_condition_expression("#gpk = :gpk"),
        )
        .await
    }

    async fn connections_of_operator(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Vec<Connection>> {
        self.connections(
            self.query_gsi1(keys::operator_connections(workspace))
                .key_condition_expression("#gpk = :gpk AND begins_with(#gsk, :mine)")
                .expression_attribute_names("#gsk", keys::GSI1SK)
                .expression_attribute_values(
                    ":mine",
                    s(keys::operator_connection_prefix(operator)),
                ),
        )
        .await
    }

    async fn visitor_connections(
        &self,
        workspace: &WorkspaceId,
        visitor: &VisitorId,
    ) -> StoreResult<Vec<Connection>> {
        self.connections(
            self.query_gsi1(keys::visitor_connections(workspace, visitor))
                .key_condition_expression("#gpk = :gpk"),
        )
        .await
    }
}
