//! `DirectoryStore`: workspaces, sites, operators (with their login email) and visitors.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};

use super::DynamoStore;
use super::errors::{Guard, condition_held, invalid_request, lost_guards, unavailable};
use super::item::{
    ENTITY, Item, fields_of, item_of, key_of, n, parse_items, s, str_attr, to_attr, with_gsi1,
};
use super::keys;
use crate::domain::{Operator, OperatorStatus, Site, Visitor, Workspace};
use crate::ids::{OperatorId, SiteKey, VisitorId, WorkspaceId};
use crate::ports::{DirectoryStore, StoreError, StoreResult};

#[async_trait]
impl DirectoryStore for DynamoStore {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        self.put(item_of(
            "workspace",
            keys::workspace(&workspace.id),
            workspace,
        )?)
        .await
    }

    async fn get_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        self.get_parsed(keys::workspace(id)).await
    }

    async fn put_site(&self, site: &Site) -> StoreResult<()> {
        let item = with_gsi1(
            item_of("site", keys::site(&site.key), site)?,
            (
                keys::sites_of(&site.workspace),
                keys::site_in_workspace(&site.key),
            ),
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            // Site keys are global: a key never moves to another workspace.
            .condition_expression("attribute_not_exists(PK) OR #workspace = :workspace")
            .expression_attribute_names("#workspace", "workspace")
            .expression_attribute_values(":workspace", s(site.workspace.as_str()))
            .send()
            .await;
        if condition_held(put)? {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists)
        }
    }

    async fn get_site(&self, key: &SiteKey) -> StoreResult<Option<Site>> {
        self.get_parsed(keys::site(key)).await
    }

    async fn list_sites(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Site>> {
        let query = self
            .query_gsi1(keys::sites_of(workspace))
            .key_condition_expression("#gpk = :gpk");
        parse_items(self.collect(query, None).await?)
    }

    /// The operator, its email's pointer for this workspace, and a check that no pointer stored
    /// the old way (one per address) gives this workspace the address already.
    async fn create_operator(&self, operator: &Operator) -> StoreResult<()> {
        let new = |item: Item| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map(|put| TransactWriteItem::builder().put(put).build())
                .map_err(invalid_request)
        };
        let email = operator.email.as_str();
        let mut login = key_of(keys::email(email, &operator.workspace));
        login.insert(ENTITY.to_owned(), s("email"));
        login.insert("workspace".to_owned(), s(operator.workspace.as_str()));
        login.insert("operator".to_owned(), s(operator.id.as_str()));
        let legacy = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::legacy_email(email))))
            .condition_expression("attribute_not_exists(PK) OR #workspace <> :workspace")
            .expression_attribute_names("#workspace", "workspace")
            .expression_attribute_values(":workspace", s(operator.workspace.as_str()))
            .build()
            .map_err(invalid_request)?;
        let stored = self
            .client
            .transact_write_items()
            .transact_items(new(item_of(
                "operator",
                keys::operator(&operator.workspace, &operator.id),
                operator,
            )?)?)
            .transact_items(new(login)?)
            .transact_items(TransactWriteItem::builder().condition_check(legacy).build())
            .send()
            .await;
        match stored {
            Ok(_) => Ok(()),
            Err(e) => match lost_guards(e, &[Guard::Unique, Guard::Unique, Guard::Unique]) {
                Ok(_) => Err(StoreError::AlreadyExists),
                Err(e) => Err(e),
            },
        }
    }

    async fn get_operator(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
    ) -> StoreResult<Option<Operator>> {
        self.get_parsed(keys::operator(workspace, id)).await
    }

    /// One Query of the address's partition (its pointers, the old single one included), then the
    /// operators they point at.
    async fn find_operators_by_email(&self, email: &str) -> StoreResult<Vec<Operator>> {
        let pointers = self
            .query_partition(keys::email_partition(email))
            .key_condition_expression("PK = :pk");
        let mut found = Vec::new();
        for login in self.collect(pointers, None).await? {
            let workspace = WorkspaceId::from_trusted(str_attr(&login, "workspace")?);
            let operator = OperatorId::from_trusted(str_attr(&login, "operator")?);
            found.push(key_of(keys::operator(&workspace, &operator)));
        }
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let mut operators: Vec<Operator> = parse_items(self.batch_get(found).await?)?;
        operators.sort_by(|a, b| a.workspace.as_str().cmp(b.workspace.as_str()));
        Ok(operators)
    }

    /// One transaction: the operator's fields but its status, on its version, and the witness's
    /// check; then the role each of its connections carries (as `set_operator_status` does for
    /// the status, and with the same caveat for a connection opened meanwhile).
    async fn update_operator(
        &self,
        operator: &Operator,
        witness: Option<&OperatorId>,
    ) -> StoreResult<()> {
        let expected = operator.version.saturating_sub(1);
        let mut sets = vec!["#entity = :entity".to_owned()];
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::operator(
                &operator.workspace,
                &operator.id,
            ))))
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":entity", s("operator"))
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":expected", n(expected));
        for (i, (field, value)) in fields_of(operator)?
            .into_iter()
            .filter(|(f, v)| f != "status" && f != "version" && !v.is_null())
            .enumerate()
        {
            sets.push(format!("#f{i} = :v{i}"));
            update = update
                .expression_attribute_names(format!("#f{i}"), field)
                .expression_attribute_values(format!(":v{i}"), to_attr(value));
        }
        sets.push("#version = :version".into());
        update = update.expression_attribute_values(":version", n(operator.version));
        // Records stored before versions existed are at version 0.
        let condition = if expected == 0 {
            "attribute_exists(PK) AND (attribute_not_exists(#version) OR #version = :expected)"
        } else {
            "#version = :expected"
        };
        let update = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(condition)
            .build()
            .map_err(invalid_request)?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        let mut guards = vec![Guard::Operator];
        if let Some(witness) = witness {
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key_of(keys::operator(&operator.workspace, witness))))
                .condition_expression(
                    "attribute_exists(PK) AND (attribute_not_exists(#active) OR #active = :active) AND #role = :admin",
                )
                .expression_attribute_names("#active", "active")
                .expression_attribute_names("#role", "role")
                .expression_attribute_values(":active", AttributeValue::Bool(true))
                .expression_attribute_values(":admin", s("admin"))
                .build()
                .map_err(invalid_request)?;
            items.push(TransactWriteItem::builder().condition_check(check).build());
            guards.push(Guard::Operator);
        }
        if self.transact(items, &guards).await?.is_err() {
            return Err(StoreError::Conflict);
        }
        let role = match operator.role {
            crate::domain::Role::Admin => "admin",
            crate::domain::Role::Operator => "operator",
        };
        self.set_on_operator_connections(&operator.workspace, &operator.id, "role", s(role))
            .await?;
        Ok(())
    }

    async fn list_operators(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Operator>> {
        let (pk, _) = keys::workspace(workspace);
        let query = self
            .query_partition(pk)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(keys::OPERATOR_PREFIX));
        parse_items(self.collect(query, None).await?)
    }

    /// Updates the operator, then each of its connection records, which carry the status so that
    /// fanning out needs no reads. Not one transaction: a connection opened meanwhile carries the
    /// status its opener read, and the next status change corrects it.
    async fn set_operator_status(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        status: OperatorStatus,
    ) -> StoreResult<()> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::operator(workspace, id))))
            .update_expression("SET #status = :status")
            // An unknown operator is left alone rather than created as a fragment.
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()))
            .send()
            .await;
        if !condition_held(updated)? {
            return Ok(());
        }
        self.set_on_operator_connections(workspace, id, "status", s(status.as_str()))
            .await?;
        Ok(())
    }

    /// An UpdateItem of every field but the dialog link: `commit` alone sets it, and a put must not
    /// race it away.
    async fn put_visitor(&self, visitor: &Visitor) -> StoreResult<()> {
        let mut sets = vec!["#entity = :entity".to_owned()];
        let mut removes = Vec::new();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::visitor(&visitor.workspace, &visitor.id))))
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_values(":entity", s("visitor"));
        for (i, (field, value)) in fields_of(visitor)?
            .into_iter()
            .filter(|(f, _)| f != "dialog")
            .enumerate()
        {
            update = update.expression_attribute_names(format!("#f{i}"), field);
            if value.is_null() {
                removes.push(format!("#f{i}"));
            } else {
                sets.push(format!("#f{i} = :v{i}"));
                update = update.expression_attribute_values(format!(":v{i}"), to_attr(value));
            }
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        update
            .update_expression(expression)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get_visitor(
        &self,
        workspace: &WorkspaceId,
        id: &VisitorId,
    ) -> StoreResult<Option<Visitor>> {
        self.get_parsed(keys::visitor(workspace, id)).await
    }

    async fn delete_visitor(&self, workspace: &WorkspaceId, id: &VisitorId) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(keys::visitor(workspace, id))))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
