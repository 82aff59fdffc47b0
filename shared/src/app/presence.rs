//! Who is really available (seed 001): an operator is available when their status is Online and a
//! console of theirs is connected. Consoles are heard of when they open, when they ping (every
//! four minutes; API Gateway cuts a socket silent for ten) and when they close. Each keeps the
//! operator's console watch ahead; once no console has been heard of for the workspace's
//! `hand_back_after_secs`, the sweep hands the operator's dialogs back ("Anna left: offline"), so
//! the visitor's next message rings again. Every change of what colleagues see is told to the
//! workspace's consoles as `operator.status`.

use std::sync::Arc;

use super::{AppResult, Delivery, Dialogs, Stores, fanout};
use crate::domain::{
    CONSOLE_SILENT_MS, Connection, HandBack, Millis, OperatorStatus, Peer, Presence, has_console,
};
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{Clock, ConnectionStore, ConsoleWatch, ConsoleWatchStore, DirectoryStore};
use crate::protocol::ServerEvent;

/// How many due watches one sweep takes; the next sweep takes the rest.
pub const SWEEP_BATCH: usize = 100;

/// How long after a failed hand-back it is tried again.
const RETRY_AFTER_MS: Millis = 60_000;

pub struct Presences {
    directory: Arc<dyn DirectoryStore>,
    connections: Arc<dyn ConnectionStore>,
    watches: Arc<dyn ConsoleWatchStore>,
    delivery: Delivery,
    /// Hands an absent operator's dialogs back.
    dialogs: Arc<Dialogs>,
    /// Counts the time in each presence state.
    reports: Arc<super::Reports>,
    clock: Arc<dyn Clock>,
}

impl Presences {
    pub(super) fn new(
        stores: &Stores,
        delivery: Delivery,
        dialogs: Arc<Dialogs>,
        reports: Arc<super::Reports>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            directory: stores.directory.clone(),
            connections: stores.connections.clone(),
            watches: stores.console_watches.clone(),
            delivery,
            dialogs,
            reports,
            clock,
        }
    }

    /// How long after its last console was heard of an operator of this workspace is handed back.
    async fn grace(&self, workspace: &WorkspaceId) -> AppResult<Millis> {
        let handling = super::handling_of(&*self.directory, workspace).await?;
        Ok(Millis::from(handling.hand_back_after_secs) * 1000)
    }

    /// A console opened (the connection is stored): the watch moves ahead, and colleagues hear
    /// of it if it is the operator's only one.
    pub async fn console_opened(&self, connection: &Connection) -> AppResult<()> {
        let Some((op, status)) = operator_of(connection) else {
            return Ok(());
        };
        let now = self.clock.now();
        let consoles = self
            .connections
            .connections_of_operator(&connection.workspace, op)
            .await?;
        let others: Vec<Connection> = consoles
            .into_iter()
            .filter(|c| c.id != connection.id)
            .collect();
        self.keep_ahead(&connection.workspace, op, now).await?;
        if !has_console(&others, op, now) {
            // The new socket is not open until `$connect` answers: posting to it would fail.
            let presence = Presence::of(status, true);
            self.tell(
                &connection.workspace,
                op,
                status,
                presence,
                Some(&connection.id),
            )
            .await?;
        }
        Ok(())
    }

    /// The operator's console `connection` pinged: it is still there.
    pub async fn console_heard(
        &self,
        connection: &crate::ids::ConnectionId,
        op: &crate::domain::Operator,
    ) -> AppResult<()> {
        let now = self.clock.now();
        self.connections.touch_connection(connection, now).await?;
        self.keep_ahead(&op.workspace, &op.id, now).await
    }

    /// A console closed (its record is deleted): if it was the operator's last, the watch comes
    /// due after the workspace's grace and colleagues hear that no console is left.
    pub async fn console_closed(&self, connection: &Connection) -> AppResult<()> {
        let Some((op, status)) = operator_of(connection) else {
            return Ok(());
        };
        let now = self.clock.now();
        let mut consoles = self
            .connections
            .connections_of_operator(&connection.workspace, op)
            .await?;
        // The index is eventually consistent in DynamoDB: it may still list the closed one.
        consoles.retain(|c| c.id != connection.id);
        if has_console(&consoles, op, now) {
            return Ok(());
        }
        let due_at = now + self.grace(&connection.workspace).await?;
        self.watches
            .watch_console(&ConsoleWatch {
                workspace: connection.workspace.clone(),
                operator: op.clone(),
                due_at,
            })
            .await?;
        let presence = Presence::of(status, false);
        self.tell(&connection.workspace, op, status, presence, None)
            .await
    }

    /// Hands back the dialogs of every operator whose watch is due and who still has no console;
    /// forgets their silent connection records. Runs every minute in AWS (a scheduled function)
    /// and every few seconds locally. Returns how many operators it handed back.
    pub async fn sweep(&self) -> AppResult<usize> {
        let now = self.clock.now();
        let due = self.watches.consoles_due(now, SWEEP_BATCH).await?;
        let mut handed = 0;
        for watch in due {
            match self.sweep_one(&watch, now).await {
                Ok(true) => handed += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(operator_id = %watch.operator, error = %e, "hand-back failed; a later sweep tries again");
                    // Behind the others, so that failing watches never hold the front of the line.
                    let later = ConsoleWatch {
                        due_at: now + RETRY_AFTER_MS,
                        ..watch.clone()
                    };
                    if let Err(e) = self.watches.watch_console(&later).await {
                        tracing::warn!(operator_id = %watch.operator, error = %e, "failed watch not moved");
                    }
                }
            }
        }
        Ok(handed)
    }

    async fn sweep_one(&self, watch: &ConsoleWatch, now: Millis) -> AppResult<bool> {
        let (ws, op) = (&watch.workspace, &watch.operator);
        let consoles = self.connections.connections_of_operator(ws, op).await?;
        if let Some(last) = consoles
            .iter()
            .filter(|c| c.is_live(now))
            .map(|c| c.seen_at.unwrap_or(c.connected_at))
            .max()
        {
            // A console is still heard of: its own pings keep the watch ahead from now on.
            self.keep_ahead(ws, op, last).await?;
            return Ok(false);
        }
        for silent in &consoles {
            self.connections.delete_connection(&silent.id).await?;
        }
        let Some(operator) = self.directory.get_operator(ws, op).await? else {
            self.watches.unwatch_console(watch).await?;
            return Ok(false);
        };
        self.dialogs.hand_back(&operator, HandBack::Offline).await?;
        if !consoles.is_empty() {
            // Its sockets went silent without a `$disconnect`: colleagues have not heard yet.
            let presence = Presence::of(operator.status, false);
            self.tell(ws, op, operator.status, presence, None).await?;
        }
        self.watches.unwatch_console(watch).await?;
        tracing::info!(operator_id = %op, "presence.handed_back");
        Ok(true)
    }

    /// Moves the watch to the grace after a console heard of at `seen_at` would be cut for silence.
    async fn keep_ahead(
        &self,
        workspace: &WorkspaceId,
        op: &OperatorId,
        seen_at: Millis,
    ) -> AppResult<()> {
        let due_at = seen_at + CONSOLE_SILENT_MS + self.grace(workspace).await?;
        self.watches
            .watch_console(&ConsoleWatch {
                workspace: workspace.clone(),
                operator: op.clone(),
                due_at,
            })
            .await?;
        Ok(())
    }

    /// Online, away or offline; every operator's console hears of it, distribution follows.
    pub async fn set_status(
        &self,
        op: &crate::domain::Operator,
        status: OperatorStatus,
    ) -> AppResult<crate::protocol::OperatorView> {
        self.directory
            .set_operator_status(&op.workspace, &op.id, status)
            .await?;
        // One read of the workspace's consoles: the operator's presence, and whom to tell.
        let all = self.connections.operator_connections(&op.workspace).await?;
        let presence = crate::domain::presence_among(status, &op.id, &all, self.clock.now());
        self.tell_to(&op.workspace, &op.id, status, presence, all)
            .await;
        Ok(crate::protocol::OperatorView {
            status,
            presence: Some(presence),
            ..crate::protocol::OperatorView::from(op)
        })
    }

    /// Whether any operator of the workspace is available (online, with a console connected): the
    /// widget offers to leave a message when nobody is. One query of the operator connections.
    pub async fn anyone_available(&self, workspace: &WorkspaceId) -> AppResult<bool> {
        let now = self.clock.now();
        let all = self.connections.operator_connections(workspace).await?;
        Ok(all.iter().any(|c| {
            matches!(
                c.peer,
                Peer::Operator {
                    status: OperatorStatus::Online,
                    ..
                }
            ) && c.is_live(now)
        }))
    }

    /// Counts the change for the reports and tells every console of the workspace what colleagues
    /// now see of the operator.
    pub(crate) async fn tell(
        &self,
        workspace: &WorkspaceId,
        op: &OperatorId,
        status: OperatorStatus,
        presence: Presence,
        except: Option<&crate::ids::ConnectionId>,
    ) -> AppResult<()> {
        let mut all = self.connections.operator_connections(workspace).await?;
        all.retain(|c| Some(&c.id) != except);
        self.tell_to(workspace, op, status, presence, all).await;
        Ok(())
    }

    /// `tell`, to the operator connections already read.
    async fn tell_to(
        &self,
        workspace: &WorkspaceId,
        op: &OperatorId,
        status: OperatorStatus,
        presence: Presence,
        all: Vec<Connection>,
    ) {
        self.reports
            .presence_changed(workspace, op, presence, self.clock.now())
            .await;
        let event = ServerEvent::OperatorStatusChanged {
            operator_id: op.clone(),
            status,
            presence,
        };
        self.delivery
            .deliver(&fanout::workspace(&all, &event))
            .await;
        // Distribution follows: an operator who became available takes from the queue.
        self.dialogs.presence_changed(workspace, op, presence).await;
    }
}

impl super::delivery::GoneConsoles for Presences {
    fn console_gone<'a>(
        &'a self,
        connection: &'a Connection,
    ) -> futures_util::future::BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(e) = self.console_closed(connection).await {
                tracing::warn!(connection_id = %connection.id, error = %e, "a gone console not told");
            }
        })
    }
}

fn operator_of(connection: &Connection) -> Option<(&OperatorId, OperatorStatus)> {
    match &connection.peer {
        Peer::Operator { id, status, .. } => Some((id, *status)),
        Peer::Visitor { .. } => None,
    }
}
