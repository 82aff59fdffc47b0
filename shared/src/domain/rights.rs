//! Rights come from groups (seed 002: deleting dialogs needs "the appropriate rights in the user
//! group"). An operator holds the rights of every group they belong to and of the workspace's
//! built-in group "Everyone", which every operator belongs to; admins hold every right. The rights
//! an operator holds are kept on their record and on their sockets' records, worked out again
//! whenever a group or a membership changes, so that checking one costs no read.

use crate::ids::{GroupId, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::{DomainError, Millis};

/// What a group lets its members do beyond answering the dialogs they may see.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum Right {
    /// See and join dialogs a colleague is in charge of (without it: the queue and one's own).
    SeeColleaguesDialogs,
    /// Transfer any dialog, not only one's own; so also see every dialog, one transferred away
    /// included.
    ReassignDialogs,
    /// Delete dialogs.
    DeleteDialogs,
    /// See the workspace's reports.
    ViewReports,
    /// Change sites, the widget's settings and attachment limits.
    ManageSettings,
}

impl Right {
    pub const ALL: [Right; 5] = [
        Right::SeeColleaguesDialogs,
        Right::ReassignDialogs,
        Right::DeleteDialogs,
        Right::ViewReports,
        Right::ManageSettings,
    ];
}

/// A set of rights; stored and sent as a list of their names (`Array<Right>` in TypeScript).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rights(BTreeSet<Right>);

impl Default for Rights {
    /// What "Everyone" holds until an admin changes it, and what records stored before groups
    /// hold: seeing colleagues' dialogs, as every operator could before rights existed.
    fn default() -> Self {
        Self::of([Right::SeeColleaguesDialogs])
    }
}

impl Rights {
    pub fn none() -> Self {
        Self(BTreeSet::new())
    }

    pub fn all() -> Self {
        Self::of(Right::ALL)
    }

    pub fn of(rights: impl IntoIterator<Item = Right>) -> Self {
        Self(rights.into_iter().collect())
    }

    pub fn contains(&self, right: Right) -> bool {
        self.0.contains(&right)
    }

    pub fn iter(&self) -> impl Iterator<Item = Right> + '_ {
        self.0.iter().copied()
    }

    pub fn union(mut self, other: &Rights) -> Self {
        self.0.extend(other.iter());
        self
    }
}

/// The longest name a group may have.
pub const MAX_GROUP_NAME_CHARS: usize = 60;
/// How many groups a workspace may have, "Everyone" aside.
pub const MAX_GROUPS: usize = 50;

/// Operators who share rights: "Supervisors", "Billing".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub workspace: WorkspaceId,
    pub name: String,
    pub rights: Rights,
    pub created_at: Millis,
}

impl Group {
    /// The built-in group every operator belongs to, with its rights until an admin changes them.
    pub fn everyone(workspace: &WorkspaceId) -> Self {
        Self {
            id: GroupId::everyone(),
            workspace: workspace.clone(),
            name: "Everyone".into(),
            rights: Rights::default(),
            created_at: 0,
        }
    }

    pub fn is_everyone(&self) -> bool {
        self.id == GroupId::everyone()
    }
}

/// A group's name: trimmed, not blank, at most `MAX_GROUP_NAME_CHARS`.
pub fn group_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() {
        Err(DomainError::Invalid("the group needs a name".into()))
    } else if name.chars().count() > MAX_GROUP_NAME_CHARS {
        Err(DomainError::Invalid(format!(
            "a group's name may have at most {MAX_GROUP_NAME_CHARS} characters"
        )))
    } else {
        Ok(name.to_owned())
    }
}

/// The rights of a member of `groups` (the ones they belong to) in a workspace whose "Everyone"
/// holds `everyone`.
pub fn rights_of<'g>(everyone: &Rights, groups: impl IntoIterator<Item = &'g Group>) -> Rights {
    groups
        .into_iter()
        .fold(everyone.clone(), |held, g| held.union(&g.rights))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, rights: &[Right]) -> Group {
        Group {
            id: GroupId::generate(),
            workspace: WorkspaceId::from_trusted("ws_1"),
            name: name.into(),
            rights: Rights::of(rights.iter().copied()),
            created_at: 1,
        }
    }

    #[test]
    fn a_member_holds_everyones_rights_and_their_groups() {
        let supervisors = group("Supervisors", &[Right::ReassignDialogs]);
        let billing = group("Billing", &[Right::ViewReports, Right::ReassignDialogs]);
        let held = rights_of(&Rights::default(), [&supervisors, &billing]);
        assert_eq!(
            held,
            Rights::of([
                Right::SeeColleaguesDialogs,
                Right::ReassignDialogs,
                Right::ViewReports
            ])
        );
        assert_eq!(rights_of(&Rights::none(), []), Rights::none());
    }

    #[test]
    fn rights_are_stored_as_their_names_and_old_records_see_colleagues() {
        let rights = Rights::of([Right::ManageSettings, Right::DeleteDialogs]);
        assert_eq!(
            serde_json::to_string(&rights).unwrap(),
            r#"["delete_dialogs","manage_settings"]"#
        );
        assert!(serde_json::from_str::<Rights>(r#"["fly"]"#).is_err());
        assert!(Rights::default().contains(Right::SeeColleaguesDialogs));
    }

    #[test]
    fn a_group_name_is_short_and_not_blank() {
        assert_eq!(group_name("  Supervisors ").unwrap(), "Supervisors");
        assert!(group_name("   ").is_err());
        assert!(group_name(&"x".repeat(61)).is_err());
    }
}
