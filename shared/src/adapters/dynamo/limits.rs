//! `LimitStore`: one item per counter, `LIMIT#{key}` / `LIMIT`, forgotten by the table's TTL when
//! its window ends. A hit is one UpdateItem (`ADD`, returning the item as it was); only a counter
//! whose window ended and that TTL has not deleted yet takes a second write, a conditional Put that
//! starts it again.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::errors::{Failure, failure, unavailable};
use super::item::{ENTITY, Item, TTL, key_of, n, s};
use super::{DynamoStore, keys};
use crate::domain::Millis;
use crate::ports::{LimitStore, StoreError, StoreResult, Tally};

const COUNT: &str = "count";
const LAST_AT: &str = "last_at";
const ENDS_AT: &str = "ends_at";

/// A window that ended at `t` is deleted by TTL from `t` on (rounded up: never early).
fn ttl_of(ends_at: Millis) -> aws_sdk_dynamodb::types::AttributeValue {
    n((ends_at + 999).div_euclid(1000))
}

fn number(item: &Item, name: &str) -> StoreResult<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError::Unavailable(format!("a limit counter lacks {name}")))
}

/// How often a hit tries again when other hits restart the same ended window at the same moment.
const MAX_TRIES: usize = 5;

impl DynamoStore {
    /// Counts on a running (or absent) counter; `None` when its window has ended.
    async fn add_to_running(
        &self,
        key: &str,
        now: Millis,
        ends_at: Millis,
    ) -> StoreResult<Option<Tally>> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::limit(key))))
            .update_expression(
                "ADD #count :one SET #last = :now, #ends = if_not_exists(#ends, :ends), \
                 #ttl = if_not_exists(#ttl, :ttl), #entity = :entity",
            )
            .condition_expression("attribute_not_exists(PK) OR #ends > :now")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#last", LAST_AT)
            .expression_attribute_names("#ends", ENDS_AT)
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":ends", n(ends_at))
            .expression_attribute_values(":ttl", ttl_of(ends_at))
            .expression_attribute_values(":entity", s("limit"))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match updated.map_err(failure) {
            Ok(out) => match out.attributes.filter(|old| !old.is_empty()) {
                None => Ok(Some(Tally {
                    count: 1,
                    previous_at: None,
                    ends_at,
                })),
                Some(old) => Ok(Some(Tally {
                    count: number(&old, COUNT)?.max(0) as u64 + 1,
                    previous_at: Some(number(&old, LAST_AT)?),
                    ends_at: number(&old, ENDS_AT)?,
                })),
            },
            Err(Failure::Condition) => Ok(None),
            Err(Failure::Store(e)) => Err(e),
        }
    }

    /// Starts an ended counter again at 1; `false` when another hit started it first.
    async fn restart(&self, key: &str, now: Millis, ends_at: Millis) -> StoreResult<bool> {
        let mut item = key_of(keys::limit(key));
        item.insert(COUNT.into(), n(1));
        item.insert(LAST_AT.into(), n(now));
        item.insert(ENDS_AT.into(), n(ends_at));
        item.insert(TTL.into(), ttl_of(ends_at));
        item.insert(ENTITY.into(), s("limit"));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR #ends <= :now")
            .expression_attribute_names("#ends", ENDS_AT)
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match put.map_err(failure) {
            Ok(_) => Ok(true),
            Err(Failure::Condition) => Ok(false),
            Err(Failure::Store(e)) => Err(e),
        }
    }
}

#[async_trait]
impl LimitStore for DynamoStore {
    async fn hit(&self, key: &str, now: Millis, ends_at: Millis) -> StoreResult<Tally> {
        for _ in 0..MAX_TRIES {
            if let Some(tally) = self.add_to_running(key, now, ends_at).await? {
                return Ok(tally);
            }
            if self.restart(key, now, ends_at).await? {
                return Ok(Tally {
                    count: 1,
                    previous_at: None,
                    ends_at,
                });
            }
        }
        Err(StoreError::Unavailable(format!(
            "the limit counter {key:?} kept changing"
        )))
    }

    async fn tally(&self, key: &str, now: Millis) -> StoreResult<Option<Tally>> {
        let Some(item) = self.get(keys::limit(key)).await? else {
            return Ok(None);
        };
        let ends_at = number(&item, ENDS_AT)?;
        if ends_at <= now {
            return Ok(None);
        }
        Ok(Some(Tally {
            count: number(&item, COUNT)?.max(0) as u64,
            previous_at: Some(number(&item, LAST_AT)?),
            ends_at,
        }))
    }

    async fn forget(&self, key: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::limit(key))))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
