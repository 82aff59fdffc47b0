//! `ReportStore`: one item per workspace, day and operator under the workspace's report partition
//! (`WS#{ws}#REPORT` / `{day}#{operator}`), each counter a number attribute. An addition is one
//! UpdateItem `ADD`ing every counter it moves; a period's report is one Query of a range of sort
//! keys. An operator's presence mark is one item, swapped by a conditional Put.

use async_trait::async_trait;

use super::errors::{condition_held, unavailable};
use super::item::{ENTITY, Item, key_of, n, s};
use super::{DynamoStore, keys};
use crate::domain::{Day, Figures, Presence, PresenceMark};
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{ReportRow, ReportStore, StoreError, StoreResult};

const PRESENCE: &str = "presence";
const SINCE: &str = "since";
const DAY: &str = "day";
const OPERATOR: &str = "operator";

fn text<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Unavailable(format!("a report item lacks {name}")))
}

fn row_of(item: &Item) -> StoreResult<ReportRow> {
    let day = text(item, DAY)?;
    let day =
        Day::parse(day).ok_or_else(|| StoreError::Unavailable(format!("a report day {day:?}")))?;
    let mut figures = Figures::default();
    for (name, _) in Figures::default().counters() {
        if let Some(value) = item.get(name).and_then(|v| v.as_n().ok()) {
            let value: i64 = value
                .parse()
                .map_err(|_| StoreError::Unavailable(format!("a report counter {name}")))?;
            figures.add_counter(name, value.max(0) as u64);
        }
    }
    Ok(ReportRow {
        day,
        operator: OperatorId::from_trusted(text(item, OPERATOR)?),
        figures,
    })
}

#[async_trait]
impl ReportStore for DynamoStore {
    async fn add_figures(
        &self,
        workspace: &WorkspaceId,
        day: Day,
        operator: &OperatorId,
        figures: &Figures,
    ) -> StoreResult<()> {
        let moved: Vec<_> = figures
            .counters()
            .into_iter()
            .filter(|(_, v)| *v > 0)
            .collect();
        if moved.is_empty() {
            return Ok(());
        }
        let adds: Vec<String> = (0..moved.len()).map(|i| format!("#c{i} :c{i}")).collect();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::report(workspace, day, operator))))
            .update_expression(format!(
                "ADD {} SET #day = :day, #op = :op, #entity = :entity",
                adds.join(", ")
            ))
            .expression_attribute_names("#day", DAY)
            .expression_attribute_names("#op", OPERATOR)
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":day", s(day.to_string()))
            .expression_attribute_values(":op", s(operator.as_str()))
            .expression_attribute_values(":entity", s("report"));
        for (i, (name, value)) in moved.into_iter().enumerate() {
            update = update
                .expression_attribute_names(format!("#c{i}"), name)
                .expression_attribute_values(format!(":c{i}"), n(value));
        }
        update.send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn report_rows(
        &self,
        workspace: &WorkspaceId,
        from: Day,
        to: Day,
    ) -> StoreResult<Vec<ReportRow>> {
        let (low, high) = keys::report_range(from, to);
        let query = self
            .query_partition(keys::reports_partition(workspace))
            .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high));
        self.collect(query, None)
            .await?
            .iter()
            .map(row_of)
            .collect()
    }

    async fn presence_mark(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<Option<PresenceMark>> {
        let Some(item) = self.get(keys::presence_mark(workspace, operator)).await? else {
            return Ok(None);
        };
        let presence = text(&item, PRESENCE)?;
        let presence = Presence::parse(presence)
            .ok_or_else(|| StoreError::Unavailable(format!("a presence {presence:?}")))?;
        let since = item
            .get(SINCE)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| StoreError::Unavailable("a presence mark lacks its start".into()))?;
        Ok(Some(PresenceMark { presence, since }))
    }

    async fn swap_presence_mark(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        expected: Option<&PresenceMark>,
        mark: &PresenceMark,
    ) -> StoreResult<()> {
        let mut item = key_of(keys::presence_mark(workspace, operator));
        item.insert(PRESENCE.into(), s(mark.presence.as_str()));
        item.insert(SINCE.into(), n(mark.since));
        item.insert(ENTITY.into(), s("presence_mark"));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = match expected {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(old) => put
                .condition_expression("#p = :p AND #s = :s")
                .expression_attribute_names("#p", PRESENCE)
                .expression_attribute_names("#s", SINCE)
                .expression_attribute_values(":p", s(old.presence.as_str()))
                .expression_attribute_values(":s", n(old.since)),
        };
        if condition_held(put.send().await)? {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }
}
