//! `LoadStore`: one item per operator, `WS#{ws}` / `LOAD#{op}`, holding the ids of the open
//! dialogs in their charge as string sets (`dialogs`, and `active` for those not on hold), whether
//! distribution may give them dialogs, and when it last did. A dialog commit moves a dialog
//! between loads in its own transaction (`load_updates`); an assignment's cap is a condition on
//! the set's `size`, so two assignments at once can never both pass it.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Update};

use super::errors::{invalid_request, unavailable};
use super::item::{ENTITY, Item, key_of, n, s, str_attr};
use super::{DynamoStore, keys};
use crate::domain::{Charge, Dialog, Load, LoadMove, Millis, QueuePace};
use crate::ids::{DialogId, OperatorId, WorkspaceId};
use crate::ports::{LoadStore, StoreResult};

const DIALOGS: &str = "dialogs";
const ACTIVE: &str = "active";
const AVAILABLE: &str = "available";
const LAST_ASSIGNED_AT: &str = "last_assigned_at";
const OPERATOR: &str = "operator";

/// What one commit does to one operator's load item.
#[derive(Default)]
struct SetChange {
    add_dialogs: bool,
    remove_dialogs: bool,
    add_active: bool,
    remove_active: bool,
    given: bool,
}

/// Each operator's change: both sides of a move that stays with one operator (a hold, a resume)
/// become one update, since a transaction names an item once.
fn set_changes(load: &LoadMove) -> Vec<(OperatorId, SetChange)> {
    fn of(changes: &mut Vec<(OperatorId, SetChange)>, op: &OperatorId) -> usize {
        match changes.iter().position(|(o, _)| o == op) {
            Some(i) => i,
            None => {
                changes.push((op.clone(), SetChange::default()));
                changes.len() - 1
            }
        }
    }
    let mut changes: Vec<(OperatorId, SetChange)> = Vec::new();
    if let Some(Charge { operator, held }) = &load.from {
        let i = of(&mut changes, operator);
        changes[i].1.remove_dialogs = true;
        changes[i].1.remove_active = !held;
    }
    if let Some(Charge { operator, held }) = &load.to {
        let i = of(&mut changes, operator);
        let c = &mut changes[i].1;
        // Leaving and coming back to one operator's `dialogs` is no change to it.
        c.add_dialogs = !c.remove_dialogs;
        c.remove_dialogs = false;
        match (c.remove_active, !held) {
            (true, true) => c.remove_active = false,
            (false, true) => c.add_active = true,
            _ => {}
        }
        c.given = load.gives() == Some(operator);
    }
    changes
}

fn string_set(id: &DialogId) -> AttributeValue {
    AttributeValue::Ss(vec![id.to_string()])
}

fn set_of(item: &Item, name: &str) -> Vec<DialogId> {
    match item.get(name) {
        Some(AttributeValue::Ss(ids)) => ids.iter().cloned().map(DialogId::from_trusted).collect(),
        _ => Vec::new(),
    }
}

fn load_of(operator: OperatorId, item: &Item) -> Load {
    Load {
        operator,
        available: matches!(item.get(AVAILABLE), Some(AttributeValue::Bool(true))),
        active: set_of(item, ACTIVE),
        all: set_of(item, DIALOGS),
        last_assigned_at: item
            .get(LAST_ASSIGNED_AT)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    }
}

impl DynamoStore {
    /// The updates of a commit's load move, each with whether it carries the cap (its guard).
    pub(super) fn load_updates(
        &self,
        dialog: &Dialog,
        load: &LoadMove,
        now: Millis,
    ) -> StoreResult<Vec<(Update, bool)>> {
        set_changes(load)
            .into_iter()
            .map(|(op, c)| {
                let mut adds = Vec::new();
                let mut deletes = Vec::new();
                if c.add_dialogs {
                    adds.push("#dialogs :id");
                }
                if c.add_active {
                    adds.push("#active :id");
                }
                if c.remove_dialogs {
                    deletes.push("#dialogs :id");
                }
                if c.remove_active {
                    deletes.push("#active :id");
                }
                let mut expression = String::from("SET #operator = :op, #entity = :entity");
                if c.given {
                    expression.push_str(", #last = :now");
                }
                if !adds.is_empty() {
                    expression.push_str(&format!(" ADD {}", adds.join(", ")));
                }
                if !deletes.is_empty() {
                    expression.push_str(&format!(" DELETE {}", deletes.join(", ")));
                }
                let mut names = HashMap::from([
                    ("#operator".to_owned(), OPERATOR.to_owned()),
                    ("#entity".to_owned(), ENTITY.to_owned()),
                ]);
                let mut values = HashMap::from([
                    (":op".to_owned(), s(op.as_str())),
                    (":entity".to_owned(), s("load")),
                ]);
                if c.given {
                    names.insert("#last".into(), LAST_ASSIGNED_AT.into());
                    values.insert(":now".into(), n(now));
                }
                if c.add_dialogs || c.add_active || c.remove_dialogs || c.remove_active {
                    names.insert("#dialogs".into(), DIALOGS.into());
                    names.insert("#active".into(), ACTIVE.into());
                    values.insert(":id".into(), string_set(&dialog.id));
                }
                let capped = load
                    .cap
                    .filter(|_| load.to.as_ref().is_some_and(|to| to.operator == op));
                let mut update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_of(keys::load(&dialog.workspace, &op))));
                let mut condition = String::new();
                if let Some(cap) = capped {
                    let counted = if cap.held_counts { "#dialogs" } else { "#active" };
                    condition = format!(
                        "#available = :yes AND (attribute_not_exists({counted}) OR size({counted}) < :max)"
                    );
                    update = update.condition_expression(&condition);
                    names.insert("#available".into(), AVAILABLE.into());
                    names.insert("#dialogs".into(), DIALOGS.into());
                    names.insert("#active".into(), ACTIVE.into());
                    values.insert(":yes".into(), AttributeValue::Bool(true));
                    values.insert(":max".into(), n(cap.max));
                }
                // DynamoDB refuses a name or value that no expression uses.
                let used = format!("{expression} {condition}");
                names.retain(|k, _| used.contains(k.as_str()));
                values.retain(|k, _| used.contains(k.as_str()));
                let update = update
                    .update_expression(expression)
                    .set_expression_attribute_names(Some(names))
                    .set_expression_attribute_values(Some(values))
                    .build()
                    .map_err(invalid_request)?;
                Ok((update, capped.is_some()))
            })
            .collect()
    }
}

impl DynamoStore {
    /// Takes a deleted dialog out of an operator's load: one UpdateItem (a dialog not in a set
    /// leaves it as it is).
    pub(super) async fn drop_from_load(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        dialog: &DialogId,
    ) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::load(workspace, operator))))
            .update_expression("DELETE #dialogs :id, #active :id")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#dialogs", DIALOGS)
            .expression_attribute_names("#active", ACTIVE)
            .expression_attribute_values(":id", string_set(dialog))
            .send()
            .await
            .map(drop)
            .or_else(|e| match super::errors::failure(e) {
                super::errors::Failure::Condition => Ok(()),
                super::errors::Failure::Store(e) => Err(e),
            })
    }
}

#[async_trait]
impl LoadStore for DynamoStore {
    /// One Query of the workspace's partition, `LOAD#` keys: O(operators with a load).
    async fn loads(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Load>> {
        let query = self
            .query_partition(format!("WS#{workspace}"))
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::LOAD_PREFIX));
        self.collect(query, None)
            .await?
            .iter()
            .map(|item| {
                let op = OperatorId::from_trusted(str_attr(item, OPERATOR)?);
                Ok(load_of(op, item))
            })
            .collect()
    }

    /// One strongly consistent GetItem.
    async fn load(&self, workspace: &WorkspaceId, operator: &OperatorId) -> StoreResult<Load> {
        let item = self.get(keys::load(workspace, operator)).await?;
        Ok(item.map_or_else(
            || Load::none(operator.clone()),
            |item| load_of(operator.clone(), &item),
        ))
    }

    /// One UpdateItem.
    async fn set_available(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        available: bool,
    ) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::load(workspace, operator))))
            .update_expression("SET #available = :available, #operator = :op, #entity = :entity")
            .expression_attribute_names("#available", AVAILABLE)
            .expression_attribute_names("#operator", OPERATOR)
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":available", AttributeValue::Bool(available))
            .expression_attribute_values(":op", s(operator.as_str()))
            .expression_attribute_values(":entity", s("load"))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// One strongly consistent GetItem.
    async fn queue_pace(&self, workspace: &WorkspaceId) -> StoreResult<QueuePace> {
        Ok(self
            .get_parsed(keys::queue_pace(workspace))
            .await?
            .unwrap_or_default())
    }

    /// One PutItem: the last departure's writer wins, which an estimate can afford.
    async fn put_queue_pace(&self, workspace: &WorkspaceId, pace: &QueuePace) -> StoreResult<()> {
        let item = super::item::item_of("queue_pace", keys::queue_pace(workspace), pace)?;
        self.put(item).await
    }
}
