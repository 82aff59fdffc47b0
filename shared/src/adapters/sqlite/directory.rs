//! `DirectoryStore`: workspaces, sites, operators (emails unique, normalized) and visitors.

use super::SqliteStore;
use super::errors::{is_unique_violation, unavailable};
use super::row::{body_by_id, from_json, query_bodies, to_json};
use crate::domain::{Operator, OperatorStatus, Site, Visitor, Workspace, normalize_email};
use crate::ids::{DialogId, OperatorId, SiteKey, VisitorId, WorkspaceId};
use crate::ports::{DirectoryStore, StoreError, StoreResult};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        let (id, body) = (workspace.id.to_string(), to_json(workspace));
        self.with(move |db| {
            db.execute(
                "INSERT OR REPLACE INTO workspaces (id, body) VALUES (?1, ?2)",
                params![id, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn get_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        let id = id.to_string();
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row("SELECT body FROM workspaces WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn put_site(&self, site: &Site) -> StoreResult<()> {
        let (key, ws, body) = (
            site.key.to_string(),
            site.workspace.to_string(),
            to_json(site),
        );
        self.with(move |db| {
            // A key belongs to one workspace for good: another workspace cannot take it over.
            let written = db
                .execute(
                    "INSERT INTO sites (key, workspace, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET body = excluded.body WHERE sites.workspace = excluded.workspace",
                    params![key, ws, body],
                )
                .map_err(unavailable)?;
            if written == 0 { Err(StoreError::AlreadyExists) } else { Ok(()) }
        })
        .await
    }

    async fn get_site(&self, key: &SiteKey) -> StoreResult<Option<Site>> {
        let key = key.to_string();
        self.with(move |db| {
            let raw: Option<String> = db
                .query_row("SELECT body FROM sites WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(unavailable)?;
            raw.map(from_json).transpose()
        })
        .await
    }

    async fn list_sites(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Site>> {
        let ws = workspace.to_string();
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM sites WHERE workspace = ?1 ORDER BY key",
                params![ws],
            )
        })
        .await
    }

    async fn create_operator(&self, operator: &Operator) -> StoreResult<()> {
        let (ws, id, email, body) = (
            operator.workspace.to_string(),
            operator.id.to_string(),
            operator.email.key(),
            to_json(operator),
        );
        self.with(move |db| {
            match db.execute(
                "INSERT INTO operators (workspace, id, email, body) VALUES (?1, ?2, ?3, ?4)",
                params![ws, id, email, body],
            ) {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
                Err(e) => Err(unavailable(e)),
            }
        })
        .await
    }

    async fn get_operator(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
    ) -> StoreResult<Option<Operator>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| body_by_id(db, "operators", &ws, &id))
            .await
    }

    async fn find_operators_by_email(&self, email: &str) -> StoreResult<Vec<Operator>> {
        let email = normalize_email(email);
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM operators WHERE email = ?1 ORDER BY workspace",
                params![email],
            )
        })
        .await
    }

    async fn update_operator(
        &self,
        operator: &Operator,
        witness: Option<&OperatorId>,
    ) -> StoreResult<()> {
        let (ws, id, body) = (
            operator.workspace.to_string(),
            operator.id.to_string(),
            to_json(operator),
        );
        let expected = operator.version.saturating_sub(1) as i64;
        let role = to_json(&operator.role);
        let witness = witness.map(ToString::to_string);
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            if let Some(witness) = witness {
                let vouches = body_by_id::<Operator>(&tx, "operators", &ws, &witness)?
                    .is_some_and(|w| w.is_active_admin());
                if !vouches {
                    return Err(StoreError::Conflict);
                }
            }
            // The status is `set_operator_status`'s: the stored one stays.
            let updated = tx
                .execute(
                    "UPDATE operators SET body = json_set(?3, '$.status', json_extract(body, '$.status'))
                     WHERE workspace = ?1 AND id = ?2 AND IFNULL(json_extract(body, '$.version'), 0) = ?4",
                    params![ws, id, body, expected],
                )
                .map_err(unavailable)?;
            if updated == 0 {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "UPDATE connections SET body = json_set(body, '$.peer.role', json(?3))
                 WHERE workspace = ?1 AND kind = 'operator' AND peer = ?2",
                params![ws, id, role],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn list_operators(&self, workspace: &WorkspaceId) -> StoreResult<Vec<Operator>> {
        let ws = workspace.to_string();
        self.with(move |db| {
            query_bodies(
                db,
                "SELECT body FROM operators WHERE workspace = ?1 ORDER BY id",
                params![ws],
            )
        })
        .await
    }

    async fn set_operator_status(
        &self,
        workspace: &WorkspaceId,
        id: &OperatorId,
        status: OperatorStatus,
    ) -> StoreResult<()> {
        let (ws, id, status) = (workspace.to_string(), id.to_string(), status.as_str());
        self.with(move |db| {
            let tx = db.transaction().map_err(unavailable)?;
            tx.execute(
                "UPDATE operators SET body = json_set(body, '$.status', ?3) WHERE workspace = ?1 AND id = ?2",
                params![ws, id, status],
            )
            .map_err(unavailable)?;
            tx.execute(
                "UPDATE connections SET body = json_set(body, '$.peer.status', ?3)
                 WHERE workspace = ?1 AND kind = 'operator' AND peer = ?2",
                params![ws, id, status],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn put_visitor(&self, visitor: &Visitor) -> StoreResult<()> {
        let (ws, id, body) = (
            visitor.workspace.to_string(),
            visitor.id.to_string(),
            to_json(visitor),
        );
        self.with(move |db| {
            // The dialog link belongs to `commit`: an upsert never touches it.
            db.execute(
                "INSERT INTO visitors (workspace, id, dialog, body) VALUES (?1, ?2, NULL, ?3)
                 ON CONFLICT (workspace, id) DO UPDATE SET body = excluded.body",
                params![ws, id, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn get_visitor(
        &self,
        workspace: &WorkspaceId,
        id: &VisitorId,
    ) -> StoreResult<Option<Visitor>> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| {
            let row: Option<(Option<String>, String)> = db
                .query_row(
                    "SELECT dialog, body FROM visitors WHERE workspace = ?1 AND id = ?2",
                    [ws, id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(unavailable)?;
            row.map(|(dialog, body)| {
                let mut visitor: Visitor = from_json(body)?;
                visitor.dialog = dialog.map(DialogId::from_trusted);
                Ok(visitor)
            })
            .transpose()
        })
        .await
    }

    async fn delete_visitor(&self, workspace: &WorkspaceId, id: &VisitorId) -> StoreResult<()> {
        let (ws, id) = (workspace.to_string(), id.to_string());
        self.with(move |db| {
            db.execute(
                "DELETE FROM visitors WHERE workspace = ?1 AND id = ?2",
                [ws, id],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
