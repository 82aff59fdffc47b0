//! `ReceiptStore`: one row per watermark, moved only forward by the upsert's condition.

use super::SqliteStore;
use super::errors::unavailable;
use crate::domain::{Receipt, Receipts, Side};
use crate::ids::{DialogId, WorkspaceId};
use crate::ports::{ReceiptStore, StoreResult};
use async_trait::async_trait;
use rusqlite::params;

fn side_key(side: Side) -> &'static str {
    match side {
        Side::Visitor => "visitor",
        Side::Operators => "operators",
    }
}

fn receipt_key(receipt: Receipt) -> &'static str {
    match receipt {
        Receipt::Delivered => "delivered",
        Receipt::Read => "read",
    }
}

#[async_trait]
impl ReceiptStore for SqliteStore {
    async fn get_receipts(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
    ) -> StoreResult<Receipts> {
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        self.with(move |db| {
            let mut stmt = db
                .prepare_cached("SELECT side, receipt, up_to FROM receipts WHERE workspace = ?1 AND dialog = ?2")
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([ws, dialog], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
                .map_err(unavailable)?;
            let mut receipts = Receipts::default();
            for row in rows {
                let (side, receipt, up_to) = row.map_err(unavailable)?;
                let side = if side == "visitor" { Side::Visitor } else { Side::Operators };
                let receipt = if receipt == "read" { Receipt::Read } else { Receipt::Delivered };
                receipts.set(side, receipt, up_to as u64);
            }
            Ok(receipts)
        })
        .await
    }

    async fn advance_receipt(
        &self,
        workspace: &WorkspaceId,
        dialog: &DialogId,
        side: Side,
        receipt: Receipt,
        up_to: u64,
    ) -> StoreResult<bool> {
        if up_to == 0 {
            return Ok(false); // every watermark starts at 0
        }
        let (ws, dialog) = (workspace.to_string(), dialog.to_string());
        self.with(move |db| {
            let changed = db
                .execute(
                    "INSERT INTO receipts (workspace, dialog, side, receipt, up_to) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (workspace, dialog, side, receipt) DO UPDATE SET up_to = excluded.up_to
                     WHERE excluded.up_to > receipts.up_to",
                    params![ws, dialog, side_key(side), receipt_key(receipt), up_to as i64],
                )
                .map_err(unavailable)?;
            Ok(changed > 0)
        })
        .await
    }
}
