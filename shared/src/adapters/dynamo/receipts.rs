//! `ReceiptStore`: a dialog's four watermarks on one item, each moved only forward by a condition.

use async_trait::async_trait;

use super::DynamoStore;
use super::errors::condition_held;
use super::item::{ENTITY, key_of, n, s, u64_attr};
use super::keys;
use crate::domain::{Receipt, Receipts, Side};
use crate::ids::{DialogId, WorkspaceId};
use crate::ports::{ReceiptStore, StoreResult};

#[async_trait]
impl ReceiptStore for DynamoStore {
    async fn get_receipts(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
    ) -> StoreResult<Receipts> {
        let Some(item) = self.get(keys::receipts(workspace, dialog)).await? else {
            return Ok(Receipts::default());
        };
        let mut receipts = Receipts::default();
        for side in [Side::Visitor, Side::Operators] {
            for receipt in [Receipt::Delivered, Receipt::Read] {
                receipts.set(side, receipt, u64_attr(&item, receipt_attr(side, receipt)));
            }
        }
        Ok(receipts)
    }

    async fn advance_receipt(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        side: Side,
        receipt: Receipt,
        up_to: u64,
    ) -> StoreResult<bool> {
        // Every watermark starts at 0: moving it to 0 moves nothing.
        if up_to == 0 {
            return Ok(false);
        }
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::receipts(workspace, dialog))))
            .update_expression("SET #f = :v, #entity = :entity")
            .condition_expression("attribute_not_exists(#f) OR #f < :v")
            .expression_attribute_names("#f", receipt_attr(side, receipt))
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":v", n(up_to))
            .expression_attribute_values(":entity", s("receipts"))
            .send()
            .await;
        condition_held(updated)
    }
}

fn receipt_attr(side: Side, receipt: Receipt) -> &'static str {
    match (side, receipt) {
        (Side::Visitor, Receipt::Delivered) => "visitor_delivered",
        (Side::Visitor, Receipt::Read) => "visitor_read",
        (Side::Operators, Receipt::Delivered) => "operators_delivered",
        (Side::Operators, Receipt::Read) => "operators_read",
    }
}
