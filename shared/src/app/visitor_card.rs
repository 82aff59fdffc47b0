//! The operator's view of the visitor behind a dialog: who they are, where they came from and the
//! page they have open now (seed 002: the source on the contact card).

use super::{AppResult, Dialogs, dialog_for};
use crate::domain::{DomainError, Millis, Operator, VisitedPage, VisitorSource};
use crate::ids::{DialogId, SiteKey, VisitorId};
use serde::{Deserialize, Serialize};

/// The contact card beside a dialog. `current_page` is the last page the widget reported; live
/// changes come as `visitor.page` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct VisitorCard {
    pub id: VisitorId,
    pub site: SiteKey,
    /// What operators call the visitor: the name given, else "Visitor" and the id's end.
    pub name: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Referrer, landing page and `utm_*` parameters from the visitor's first page.
    pub source: VisitorSource,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_page: Option<VisitedPage>,
    /// When the visitor first started a session: first seen.
    #[ts(type = "number")]
    pub created_at: Millis,
}

impl Dialogs {
    /// The card of the dialog's visitor, for an operator who may see the dialog (the same check as
    /// the dialog and its history: another workspace's dialog is not found, a transferred-away
    /// operator is forbidden).
    pub async fn visitor_card(&self, op: &Operator, id: &DialogId) -> AppResult<VisitorCard> {
        let dialog = dialog_for(&*self.dialogs, op, id).await?;
        let visitor = self
            .directory
            .get_visitor(&dialog.workspace, &dialog.visitor)
            .await?
            .ok_or(DomainError::DialogNotFound)?;
        Ok(VisitorCard {
            name: visitor.display_name(),
            id: visitor.id,
            site: visitor.site,
            email: visitor.email.map(|e| e.to_string()),
            phone: visitor.phone.map(|p| p.to_string()),
            source: visitor.source,
            current_page: visitor.current_page,
            created_at: visitor.created_at,
        })
    }
}
