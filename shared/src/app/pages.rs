//! The page each visitor has open, for the operators' view of who is on the site and where.

use super::{AppResult, Dialogs, fanout};
use crate::domain::{VisitedPage, Visitor};
use crate::protocol::ServerEvent;

impl Dialogs {
    /// The widget reports a page view: kept on the visitor, pushed to the operator connections of
    /// the workspace that may see the visitor: all of them until the visitor has a dialog, then
    /// those who may see it (`fanout::visitor_page`) (cost O(operators online), whatever the
    /// number of visitors, and one read of the dialog when there is one).
    pub async fn visitor_page(
        &self,
        visitor: &Visitor,
        url: &str,
        title: Option<&str>,
    ) -> AppResult<VisitedPage> {
        let page = VisitedPage::parse(url, title, self.clock.now())?;
        let updated = Visitor {
            current_page: Some(page.clone()),
            ..visitor.clone()
        };
        self.directory.put_visitor(&updated).await?;
        let event = ServerEvent::VisitorPage {
            visitor_id: visitor.id.clone(),
            dialog_id: visitor.dialog.clone(),
            page: page.clone(),
        };
        let dialog = match &visitor.dialog {
            Some(id) => self.dialogs.get_dialog(&visitor.workspace, id).await?,
            None => None,
        };
        let operators = self
            .connections
            .operator_connections(&visitor.workspace)
            .await?;
        let posts = fanout::visitor_page(dialog.as_ref(), &operators, &event);
        self.delivery.deliver(&posts).await;
        Ok(page)
    }
}
