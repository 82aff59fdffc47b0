//! `PushSubscriptionStore`: a workspace's subscriptions and choices in one partition, grouped by
//! operator; beside them, one item per endpoint naming the operator who holds it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::errors::{condition_held, unavailable};
use super::item::{ENTITY, Item, item_of, key_of, parse_item, s, str_attr};
use super::{DynamoStore, keys};
use crate::domain::{PushChoices, PushSubscriber, PushSubscription};
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{PushSubscriptionStore, StoreResult};

const SUBSCRIPTION: &str = "push_subscription";
const CHOICES: &str = "push_choices";

/// An operator's choices as stored: with the operator, since a workspace's items are read together.
#[derive(Serialize, Deserialize)]
struct ChoicesRecord {
    operator: OperatorId,
    #[serde(flatten)]
    choices: PushChoices,
}

/// Who holds an endpoint.
#[derive(Serialize, Deserialize)]
struct EndpointOwner {
    workspace: WorkspaceId,
    operator: OperatorId,
}

impl DynamoStore {
    async fn delete_key(&self, key: keys::Key) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(key)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// The partition's items (all of it, or one operator's), grouped into subscribers; an
    /// operator's choices without subscriptions make no subscriber, and come back apart.
    async fn subscribers(
        &self,
        workspace: &WorkspaceId,
        operator: Option<&OperatorId>,
    ) -> StoreResult<(Vec<PushSubscriber>, Vec<ChoicesRecord>)> {
        let mut query = self.query_partition(keys::push_partition(workspace));
        query = match operator {
            Some(op) => query
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":prefix", s(keys::push_operator_prefix(op))),
            None => query.key_condition_expression("PK = :pk"),
        };
        let items: Vec<Item> = self.collect(query, None).await?;
        let mut choices: Vec<ChoicesRecord> = Vec::new();
        let mut subscriptions: Vec<PushSubscription> = Vec::new();
        for item in items {
            match str_attr(&item, ENTITY)? {
                CHOICES => choices.push(parse_item(item)?),
                _ => subscriptions.push(parse_item(item)?),
            }
        }
        subscriptions.sort_by(|a, b| {
            (&a.operator, a.created_at, &a.endpoint).cmp(&(&b.operator, b.created_at, &b.endpoint))
        });
        let mut subscribers: Vec<PushSubscriber> = Vec::new();
        for sub in subscriptions {
            match subscribers.last_mut() {
                Some(last) if last.operator == sub.operator => last.subscriptions.push(sub),
                _ => subscribers.push(PushSubscriber {
                    operator: sub.operator.clone(),
                    choices: choices
                        .iter()
                        .find(|c| c.operator == sub.operator)
                        .map(|c| c.choices)
                        .unwrap_or_default(),
                    subscriptions: vec![sub],
                }),
            }
        }
        Ok((subscribers, choices))
    }
}

#[async_trait]
impl PushSubscriptionStore for DynamoStore {
    /// Reads who held the endpoint; if another operator did, their item goes. Then the owner and
    /// the subscription are written.
    async fn put_push_subscription(&self, sub: &PushSubscription) -> StoreResult<()> {
        let owner: Option<EndpointOwner> =
            self.get_parsed(keys::push_endpoint(&sub.endpoint)).await?;
        if let Some(before) = owner
            && (before.workspace != sub.workspace || before.operator != sub.operator)
        {
            self.delete_key(keys::push_subscription(
                &before.workspace,
                &before.operator,
                &sub.endpoint,
            ))
            .await?;
        }
        let owner = EndpointOwner {
            workspace: sub.workspace.clone(),
            operator: sub.operator.clone(),
        };
        self.put(item_of(
            "push_endpoint",
            keys::push_endpoint(&sub.endpoint),
            &owner,
        )?)
        .await?;
        let key = keys::push_subscription(&sub.workspace, &sub.operator, &sub.endpoint);
        self.put(item_of(SUBSCRIPTION, key, sub)?).await
    }

    async fn delete_push_subscription(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        endpoint: &str,
    ) -> StoreResult<()> {
        self.delete_key(keys::push_subscription(workspace, operator, endpoint))
            .await?;
        // The endpoint's owner item goes only if it still names this operator.
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::push_endpoint(endpoint))))
            .condition_expression("#ws = :ws AND #op = :op")
            .expression_attribute_names("#ws", "workspace")
            .expression_attribute_names("#op", "operator")
            .expression_attribute_values(":ws", s(workspace.as_str()))
            .expression_attribute_values(":op", s(operator.as_str()))
            .send()
            .await;
        condition_held(deleted).map(drop)
    }

    async fn put_push_choices(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        choices: &PushChoices,
    ) -> StoreResult<()> {
        let record = ChoicesRecord {
            operator: operator.clone(),
            choices: *choices,
        };
        self.put(item_of(
            CHOICES,
            keys::push_choices(workspace, operator),
            &record,
        )?)
        .await
    }

    async fn push_subscriber(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
    ) -> StoreResult<PushSubscriber> {
        let (found, choices) = self.subscribers(workspace, Some(operator)).await?;
        Ok(found.into_iter().next().unwrap_or_else(|| PushSubscriber {
            operator: operator.clone(),
            choices: choices.first().map(|r| r.choices).unwrap_or_default(),
            subscriptions: Vec::new(),
        }))
    }

    async fn push_subscribers(&self, workspace: &WorkspaceId) -> StoreResult<Vec<PushSubscriber>> {
        Ok(self.subscribers(workspace, None).await?.0)
    }
}
