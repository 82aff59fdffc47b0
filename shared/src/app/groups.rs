//! Groups and the rights they carry: admins create, rename and delete groups, choose each group's
//! rights (and those of "Everyone") and which groups each operator belongs to. Each change works
//! out again the rights of the operators it touches, stores them on their records and sockets,
//! and tells every console of the workspace.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{AppError, AppResult, Delivery};
use crate::domain::{DomainError, Group, MAX_GROUPS, Operator, Rights, group_name, rights_of};
use crate::ids::{GroupId, OperatorId, WorkspaceId};
use crate::ports::{Clock, ConnectionStore, DirectoryStore, GroupStore, StoreResult};
use crate::protocol::{GroupList, GroupView, OperatorView, ServerEvent};
use serde::Deserialize;

/// A new group, or what changes of one: a name and rights.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct GroupChange {
    #[ts(optional)]
    #[serde(default)]
    pub name: Option<String>,
    #[ts(optional, type = "Array<Right>")]
    #[serde(default)]
    pub rights: Option<Rights>,
}

/// Which groups an operator belongs to, "Everyone" aside.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct Membership {
    pub groups: Vec<GroupId>,
}

pub struct Groups {
    groups: Arc<dyn GroupStore>,
    directory: Arc<dyn DirectoryStore>,
    connections: Arc<dyn ConnectionStore>,
    delivery: Delivery,
    clock: Arc<dyn Clock>,
}

/// Only admins manage groups: the rights they hand out are theirs to give.
fn admin_only(op: &Operator) -> AppResult<()> {
    if op.is_admin() {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only admins may manage groups and rights").into())
    }
}

/// The workspace's groups with "Everyone" first, as stored or with its default rights.
pub(crate) async fn groups_of(
    store: &dyn GroupStore,
    workspace: &WorkspaceId,
) -> StoreResult<Vec<Group>> {
    let mut stored = store.list_groups(workspace).await?;
    let everyone = match stored.iter().position(Group::is_everyone) {
        Some(i) => stored.remove(i),
        None => Group::everyone(workspace),
    };
    stored.insert(0, everyone);
    Ok(stored)
}

/// The rights of an operator who belongs to `member_of` (besides "Everyone") among `groups`.
fn rights_among(groups: &[Group], member_of: &[GroupId]) -> Rights {
    let (everyone, rest) = groups.split_first().expect("Everyone is always first");
    rights_of(
        &everyone.rights,
        rest.iter().filter(|g| member_of.contains(&g.id)),
    )
}

/// What a new operator of the workspace holds: "Everyone"'s rights.
pub(crate) async fn rights_of_new_operator(
    store: &dyn GroupStore,
    workspace: &WorkspaceId,
) -> StoreResult<Rights> {
    Ok(rights_among(&groups_of(store, workspace).await?, &[]))
}

impl Groups {
    pub(super) fn new(stores: &super::Stores, delivery: Delivery, clock: Arc<dyn Clock>) -> Self {
        Self {
            groups: stores.groups.clone(),
            directory: stores.directory.clone(),
            connections: stores.connections.clone(),
            delivery,
            clock,
        }
    }

    /// The workspace's groups, "Everyone" first, each with its members.
    pub async fn list(&self, admin: &Operator) -> AppResult<GroupList> {
        admin_only(admin)?;
        let groups = groups_of(self.groups.as_ref(), &admin.workspace).await?;
        let operators = self.directory.list_operators(&admin.workspace).await?;
        Ok(GroupList {
            groups: groups.iter().map(|g| view(g, &operators)).collect(),
        })
    }

    pub async fn create(&self, admin: &Operator, change: GroupChange) -> AppResult<GroupView> {
        admin_only(admin)?;
        let name = group_name(change.name.as_deref().unwrap_or_default())?;
        let groups = groups_of(self.groups.as_ref(), &admin.workspace).await?;
        if groups.len() > MAX_GROUPS {
            return Err(AppError::Invalid(format!(
                "a workspace may have at most {MAX_GROUPS} groups"
            )));
        }
        refuse_taken_name(&groups, &name, None)?;
        let group = Group {
            id: GroupId::generate(),
            workspace: admin.workspace.clone(),
            name,
            rights: change.rights.unwrap_or_else(Rights::none),
            created_at: self.clock.now(),
        };
        self.groups.put_group(&group).await?;
        // Nobody belongs to a new group yet: no operator's rights change.
        Ok(view(&group, &[]))
    }

    /// Renames a group or changes its rights; "Everyone" keeps its name.
    pub async fn update(
        &self,
        admin: &Operator,
        id: &GroupId,
        change: GroupChange,
    ) -> AppResult<GroupView> {
        admin_only(admin)?;
        let mut groups = groups_of(self.groups.as_ref(), &admin.workspace).await?;
        let at = position(&groups, id)?;
        if let Some(name) = &change.name {
            let name = group_name(name)?;
            if groups[at].is_everyone() && name != groups[at].name {
                return Err(AppError::Invalid("\"Everyone\" keeps its name".into()));
            }
            refuse_taken_name(&groups, &name, Some(id))?;
            groups[at].name = name;
        }
        let rights_changed = change
            .rights
            .as_ref()
            .is_some_and(|r| r != &groups[at].rights);
        if let Some(rights) = change.rights {
            groups[at].rights = rights;
        }
        self.groups.put_group(&groups[at]).await?;
        let operators = self.directory.list_operators(&admin.workspace).await?;
        if rights_changed {
            self.refresh(&groups, &operators, false).await?;
        }
        Ok(view(&groups[at], &operators))
    }

    /// Deletes a group: its members lose what only it gave them. "Everyone" stays.
    pub async fn delete(&self, admin: &Operator, id: &GroupId) -> AppResult<()> {
        admin_only(admin)?;
        let mut groups = groups_of(self.groups.as_ref(), &admin.workspace).await?;
        let at = position(&groups, id)?;
        if groups[at].is_everyone() {
            return Err(AppError::Invalid(
                "\"Everyone\" cannot be deleted; change its rights instead".into(),
            ));
        }
        groups.remove(at);
        let mut members = self.directory.list_operators(&admin.workspace).await?;
        members.retain(|op| op.groups.contains(id));
        for op in members.iter_mut() {
            op.groups.retain(|g| g != id);
        }
        // Members first, so that no operator names a group that is gone.
        self.refresh(&groups, &members, true).await?;
        self.groups.delete_group(&admin.workspace, id).await?;
        Ok(())
    }

    /// Sets which groups an operator belongs to.
    pub async fn set_membership(
        &self,
        admin: &Operator,
        operator: &OperatorId,
        membership: Membership,
    ) -> AppResult<OperatorView> {
        admin_only(admin)?;
        let groups = groups_of(self.groups.as_ref(), &admin.workspace).await?;
        let mut chosen = Vec::new();
        for id in membership.groups {
            if id == GroupId::everyone() {
                return Err(AppError::Invalid(
                    "every operator belongs to \"Everyone\"; it is not chosen".into(),
                ));
            }
            position(&groups, &id)?;
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        let mut op = self
            .directory
            .get_operator(&admin.workspace, operator)
            .await?
            .ok_or(DomainError::OperatorNotFound)?;
        op.groups = chosen;
        self.refresh(&groups, std::slice::from_ref(&op), true)
            .await?;
        op.rights = rights_among(&groups, &op.groups);
        Ok(OperatorView::from(&op))
    }

    /// Works out again the rights of `operators` and stores those that changed (with their
    /// membership, all of it where `membership_changed`) on their records and sockets; every
    /// console of the workspace hears of each operator whose rights changed.
    async fn refresh(
        &self,
        groups: &[Group],
        operators: &[Operator],
        membership_changed: bool,
    ) -> AppResult<()> {
        let Some(workspace) = operators.first().map(|op| op.workspace.clone()) else {
            return Ok(());
        };
        let mut changed = Vec::new();
        for op in operators {
            let rights = rights_among(groups, &op.groups);
            if !membership_changed && rights == op.rights {
                continue;
            }
            self.groups
                .set_operator_access(&op.workspace, &op.id, &op.groups, &rights)
                .await?;
            if rights != op.rights {
                changed.push(Operator {
                    rights,
                    ..op.clone()
                });
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        let all = self.connections.operator_connections(&workspace).await?;
        for op in &changed {
            let event = ServerEvent::OperatorUpdated {
                operator: OperatorView::from(op),
            };
            self.delivery
                .deliver(&super::fanout::workspace(&all, &event))
                .await;
        }
        Ok(())
    }
}

fn position(groups: &[Group], id: &GroupId) -> AppResult<usize> {
    groups
        .iter()
        .position(|g| &g.id == id)
        .ok_or_else(|| DomainError::GroupNotFound.into())
}

fn refuse_taken_name(groups: &[Group], name: &str, except: Option<&GroupId>) -> AppResult<()> {
    let taken = groups
        .iter()
        .any(|g| Some(&g.id) != except && g.name.eq_ignore_ascii_case(name));
    if taken {
        Err(AppError::Invalid(format!(
            "a group named {} exists",
            crate::domain::quote(name)
        )))
    } else {
        Ok(())
    }
}

fn view(group: &Group, operators: &[Operator]) -> GroupView {
    let members: BTreeSet<_> = operators
        .iter()
        .filter(|op| group.is_everyone() || op.groups.contains(&group.id))
        .map(|op| op.id.clone())
        .collect();
    GroupView {
        id: group.id.clone(),
        name: group.name.clone(),
        rights: group.rights.iter().collect(),
        everyone: group.is_everyone(),
        members: members.into_iter().collect(),
    }
}
