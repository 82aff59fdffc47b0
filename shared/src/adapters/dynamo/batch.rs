//! Batched reads and writes, and the pause before asking again for what DynamoDB left unprocessed.

use std::time::Duration;

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};

use super::DynamoStore;
use super::errors::{invalid_request, unavailable};
use super::item::Item;
use crate::ports::{StoreError, StoreResult};

/// BatchGetItem takes at most 100 keys.
const BATCH_GET_MAX: usize = 100;
/// BatchWriteItem takes at most 25 items.
const BATCH_WRITE_MAX: usize = 25;

impl DynamoStore {
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET_MAX) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(true)
                    .build()
                    .map_err(invalid_request)?,
            );
            let mut backoff = Backoff::default();
            while let Some(request) = pending.take() {
                let got = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                found.extend(
                    got.responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                // Throttled keys come back unprocessed; they are asked for again after a pause.
                pending = got
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
                if pending.is_some() {
                    backoff.pause("BatchGetItem").await?;
                }
            }
        }
        Ok(found)
    }

    /// Puts items 25 to a request; throttled ones are put again after a pause.
    pub(super) async fn batch_put(&self, items: Vec<Item>) -> StoreResult<()> {
        let requests = items
            .into_iter()
            .map(|item| {
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(invalid_request)?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.batch_write(requests).await
    }

    /// Deletes the items of these keys, 25 to a request (a key with no item costs a write too).
    pub(super) async fn batch_delete(&self, keys: Vec<Item>) -> StoreResult<()> {
        let requests = keys
            .into_iter()
            .map(|key| {
                let delete = DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map_err(invalid_request)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.batch_write(requests).await
    }

    async fn batch_write(&self, requests: Vec<WriteRequest>) -> StoreResult<()> {
        for chunk in requests.chunks(BATCH_WRITE_MAX) {
            let mut pending = chunk.to_vec();
            let mut backoff = Backoff::default();
            while !pending.is_empty() {
                let done = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = done
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if !pending.is_empty() {
                    backoff.pause("BatchWriteItem").await?;
                }
            }
        }
        Ok(())
    }
}

/// The pause before asking again for what a batch call left unprocessed (throttled): doubling from
/// 40 ms up to 1 s; the call fails at the `BATCH_ATTEMPTS`th try (after about 3 s of pauses).
#[derive(Default)]
struct Backoff {
    attempts: u32,
}

const BATCH_ATTEMPTS: u32 = 8;

impl Backoff {
    async fn pause(&mut self, operation: &str) -> StoreResult<()> {
        self.attempts += 1;
        if self.attempts >= BATCH_ATTEMPTS {
            return Err(StoreError::Unavailable(format!(
                "{operation} left items unprocessed {BATCH_ATTEMPTS} times"
            )));
        }
        let wait = Duration::from_millis(20 << self.attempts.min(6)).min(Duration::from_secs(1));
        tokio::time::sleep(wait).await;
        Ok(())
    }
}
