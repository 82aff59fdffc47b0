//! An operator's lifecycle: signing out on the server (one session or all of them), their own name
//! and password; and for admins, deactivating and reactivating operators, their roles and their
//! passwords. A workspace always keeps an active admin.
//!
//! Every change is a conditional write of the operator's record (`DirectoryStore::update_operator`),
//! decided again when another change won the race. Ending sessions is a time on the record
//! (`Operator::sessions_ended_at`) or a short list of sessions signed out one by one, which the one
//! read of the record that authorizes every request already brings: revoking costs no read.

use std::sync::Arc;

use super::session::{LoggedIn, name_field, new_session};
use super::{AppError, AppResult, Delivery, Dialogs, MAX_ATTEMPTS, Settings, backoff};
use crate::auth::{Signer, hash_password, verify_password};
use crate::domain::{DomainError, Millis, Operator, Role, SessionRef, admin_witness};
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{Clock, ConnectionStore, DirectoryStore, StoreError};
use crate::protocol::{OperatorView, ServerEvent};

/// The workspace's operators, as one of them or an admin changes them.
pub struct Team {
    pub(super) directory: Arc<dyn DirectoryStore>,
    pub(super) connections: Arc<dyn ConnectionStore>,
    pub(super) delivery: Delivery,
    /// Hands back a deactivated operator's dialogs.
    pub(super) dialogs: Arc<Dialogs>,
    /// Tells colleagues when closing an operator's sockets leaves them without a console.
    pub(super) presence: Arc<super::Presences>,
    pub(super) signer: Signer,
    pub(super) settings: Settings,
    pub(super) clock: Arc<dyn Clock>,
}

impl Team {
    /// Signs this one session out: its token, its tickets and its sockets stop working.
    pub async fn sign_out(&self, op: &Operator, session: &SessionRef) -> AppResult<()> {
        self.change(&op.workspace, &op.id, |o, now| {
            o.sign_out(session, now);
            Ok(())
        })
        .await?;
        let sockets = self
            .connections
            .connections_of_operator(&op.workspace, &op.id)
            .await?;
        let of_session: Vec<_> = sockets
            .into_iter()
            .filter(|c| {
                matches!(&c.peer, crate::domain::Peer::Operator { session: Some(s), .. } if *s == session.id)
            })
            .collect();
        self.delivery.close(&of_session).await;
        if let Some(last) = of_session.last() {
            self.presence.console_closed(last).await?;
        }
        Ok(())
    }

    /// Signs every session of the operator out, and closes every socket of theirs.
    pub async fn sign_out_everywhere(&self, op: &Operator) -> AppResult<()> {
        let changed = self
            .change(&op.workspace, &op.id, |o, now| {
                o.end_sessions(now);
                Ok(())
            })
            .await?;
        self.close_sockets(&changed).await
    }

    /// The operator's own display name; every console hears of it.
    pub async fn rename(&self, op: &Operator, name: &str) -> AppResult<OperatorView> {
        let name = name_field(Some(name.to_owned()))?
            .ok_or_else(|| AppError::Invalid("the name is empty".into()))?;
        let changed = self
            .change(&op.workspace, &op.id, |o, _| {
                o.name = name.clone();
                Ok(())
            })
            .await?;
        self.tell_workspace(&changed).await
    }

    /// The operator's own password, given the current one. Every session ends, this one too, and
    /// every socket closes; the answer is a new session, so the console that asked stays signed in.
    pub async fn change_password(
        &self,
        op: &Operator,
        current: &str,
        new: &str,
    ) -> AppResult<LoggedIn> {
        if !verify_password(&op.password_hash, current) {
            return Err(AppError::WrongPassword);
        }
        if let Some(problem) = crate::domain::password_problem(new, &op.email) {
            return Err(AppError::Invalid(problem));
        }
        let hash = hash_password(new);
        let changed = self
            .change(&op.workspace, &op.id, |o, now| {
                o.password_hash = hash.clone();
                o.end_sessions(now);
                Ok(())
            })
            .await?;
        self.close_sockets(&changed).await?;
        Ok(new_session(
            &self.signer,
            &self.settings,
            self.clock.now(),
            &changed,
        ))
    }

    /// Deactivates an operator: they cannot sign in, their sessions end, their sockets close, and
    /// the dialogs they were in charge of go back to the queue with an event in each timeline.
    pub async fn deactivate(&self, admin: &Operator, id: &OperatorId) -> AppResult<OperatorView> {
        let changed = self
            .admin_change(admin, id, |o, now| {
                o.active = false;
                o.end_sessions(now);
                Ok(())
            })
            .await?;
        self.close_sockets(&changed).await?;
        let view = self.tell_workspace(&changed).await?;
        self.dialogs
            .hand_back(&changed, crate::domain::HandBack::Deactivated(admin))
            .await?;
        Ok(view)
    }

    /// Lets a deactivated operator sign in again (their old sessions stay over).
    pub async fn reactivate(&self, admin: &Operator, id: &OperatorId) -> AppResult<OperatorView> {
        let changed = self
            .admin_change(admin, id, |o, _| {
                o.active = true;
                Ok(())
            })
            .await?;
        self.tell_workspace(&changed).await
    }

    /// Makes an operator an admin or an operator; their consoles hear of it.
    pub async fn set_role(
        &self,
        admin: &Operator,
        id: &OperatorId,
        role: Role,
    ) -> AppResult<OperatorView> {
        let changed = self
            .admin_change(admin, id, |o, _| {
                o.role = role;
                Ok(())
            })
            .await?;
        self.tell_workspace(&changed).await
    }

    /// Gives another operator a new password: their sessions end and their sockets close. An
    /// admin changes their own with the current one (`change_password`).
    pub async fn reset_password(
        &self,
        admin: &Operator,
        id: &OperatorId,
        password: &str,
    ) -> AppResult<OperatorView> {
        if &admin.id == id {
            return Err(DomainError::Forbidden(
                "change your own password with your current one (POST /api/me/password)",
            )
            .into());
        }
        // Found (and admin) before the password is judged, so nobody learns of another
        // workspace's operators from the answer.
        let target = self.target(admin, id).await?;
        if let Some(problem) = crate::domain::password_problem(password, &target.email) {
            return Err(AppError::Invalid(problem));
        }
        let hash = hash_password(password);
        let changed = self
            .admin_change(admin, id, |o, now| {
                o.password_hash = hash.clone();
                o.end_sessions(now);
                Ok(())
            })
            .await?;
        self.close_sockets(&changed).await?;
        Ok(OperatorView::from(&changed))
    }

    /// The operator an admin changes; a caller who is not an admin is refused, and an operator
    /// who is not of the admin's workspace is not found.
    async fn target(&self, admin: &Operator, id: &OperatorId) -> AppResult<Operator> {
        if !admin.is_admin() {
            return Err(DomainError::Forbidden("only admins may change other operators").into());
        }
        self.directory
            .get_operator(&admin.workspace, id)
            .await?
            .ok_or_else(|| DomainError::OperatorNotFound.into())
    }

    async fn admin_change<F>(
        &self,
        admin: &Operator,
        id: &OperatorId,
        change: F,
    ) -> AppResult<Operator>
    where
        F: Fn(&mut Operator, Millis) -> AppResult<()>,
    {
        self.target(admin, id).await?;
        self.change(&admin.workspace, id, change).await
    }

    /// Reads the operator, applies `change` and writes it on the version read; a lost race reads
    /// again. A change that takes an active admin away is written only while another active admin
    /// vouches for it (`domain::admin_witness`), else it is `last_admin`.
    async fn change<F>(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        change: F,
    ) -> AppResult<Operator>
    where
        F: Fn(&mut Operator, Millis) -> AppResult<()>,
    {
        for attempt in 0..MAX_ATTEMPTS {
            let before = self
                .directory
                .get_operator(workspace, id)
                .await?
                .ok_or(DomainError::OperatorNotFound)?;
            let mut changed = before.clone();
            change(&mut changed, self.clock.now())?;
            if changed == before {
                return Ok(changed);
            }
            changed.version += 1;
            let witness = if before.is_active_admin() && !changed.is_active_admin() {
                let team = self.directory.list_operators(workspace).await?;
                admin_witness(&team, &changed)?.cloned()
            } else {
                None
            };
            match self
                .directory
                .update_operator(&changed, witness.as_ref())
                .await
            {
                Ok(()) => return Ok(changed),
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Closes every socket of the operator: their sessions just ended.
    async fn close_sockets(&self, op: &Operator) -> AppResult<()> {
        let sockets = self
            .connections
            .connections_of_operator(&op.workspace, &op.id)
            .await?;
        self.delivery.close(&sockets).await;
        if let Some(last) = sockets.last() {
            self.presence.console_closed(last).await?;
        }
        Ok(())
    }

    /// `operator.updated` to every operator connection of the workspace.
    async fn tell_workspace(&self, op: &Operator) -> AppResult<OperatorView> {
        let view = OperatorView::from(op);
        let event = ServerEvent::OperatorUpdated {
            operator: view.clone(),
        };
        let all = self.connections.operator_connections(&op.workspace).await?;
        self.delivery
            .deliver(&super::fanout::workspace(&all, &event))
            .await;
        Ok(view)
    }
}
