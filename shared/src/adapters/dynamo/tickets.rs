//! `TicketStore`: one-time tickets, taken by a conditional delete.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::errors::{Failure, failure};
use super::item::{item_of, key_of, parse_item, with_ttl};
use super::{DynamoStore, keys, now};
use crate::domain::Ticket;
use crate::ports::{StoreResult, TicketStore};

#[async_trait]
impl TicketStore for DynamoStore {
    async fn put_ticket(&self, ticket: &Ticket) -> StoreResult<()> {
        self.put(with_ttl(
            item_of("ticket", keys::ticket(&ticket.id), ticket)?,
            ticket.expires_at,
        ))
        .await
    }

    /// One DeleteItem returning the old item. The condition makes "once" explicit: DynamoDB Local
    /// hands the old item to every one of several concurrent unconditional deletes.
    async fn take_ticket(&self, id: &str) -> StoreResult<Option<Ticket>> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::ticket(id))))
            .condition_expression("attribute_exists(PK)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let attributes = match deleted.map_err(failure) {
            Ok(deleted) => deleted.attributes,
            Err(Failure::Condition) => None,
            Err(Failure::Store(e)) => return Err(e),
        };
        let ticket: Option<Ticket> = attributes.map(parse_item).transpose()?;
        Ok(ticket.filter(|t| t.expires_at > now()))
    }
}
