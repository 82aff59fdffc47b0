//! `UploadMarkStore`: one item per upload put in a message, written by one conditional PutItem.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::errors::{Failure, condition_held, failure};
use super::item::{item_of, key_of, n, s, with_ttl};
use super::{DynamoStore, keys, now};
use crate::domain::UploadMark;
use crate::ports::{Marked, StoreResult, UploadMarkStore};

#[async_trait]
impl UploadMarkStore for DynamoStore {
    /// Put if there is none, or it is this message's, or it has expired (TTL deletes items late):
    /// the old item, handed back, tells a new mark from a retried one.
    async fn mark_upload(&self, mark: &UploadMark) -> StoreResult<Marked> {
        let item = with_ttl(
            item_of(
                "upload_mark",
                keys::upload_mark(&mark.workspace, &mark.attachment),
                mark,
            )?,
            mark.expires_at,
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(PK) OR #message = :message OR #expires <= :now",
            )
            .expression_attribute_names("#message", "message")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(":message", s(&mark.message))
            .expression_attribute_values(":now", n(now()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match put.map_err(failure) {
            Ok(put) => {
                let again = put.attributes.is_some_and(|old| {
                    old.get("message").and_then(|m| m.as_s().ok()) == Some(&mark.message)
                        && old
                            .get("expires_at")
                            .and_then(|e| e.as_n().ok())
                            .and_then(|e| e.parse::<i64>().ok())
                            .is_some_and(|e| e > now())
                });
                Ok(if again { Marked::Again } else { Marked::New })
            }
            Err(Failure::Condition) => Ok(Marked::Taken),
            Err(Failure::Store(e)) => Err(e),
        }
    }

    async fn unmark_upload(&self, mark: &UploadMark) -> StoreResult<()> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::upload_mark(
                &mark.workspace,
                &mark.attachment,
            ))))
            .condition_expression("#message = :message")
            .expression_attribute_names("#message", "message")
            .expression_attribute_values(":message", s(&mark.message))
            .send()
            .await;
        // Another message's mark (or none) stays as it is.
        condition_held(deleted).map(|_| ())
    }
}
