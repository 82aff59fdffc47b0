//! Automatic distribution and the queue (seed 001), where a workspace turns it on: a dialog that
//! needs an operator goes to an available one with room (`domain::candidates`), committed on the
//! condition that they still are available and below the limit; when nobody has room it waits in
//! the queue, and its visitor is told their place (`queue.position`). Whenever a slot frees (a
//! close, a leave, a transfer, a hold, a hand-back) or an operator becomes available, the head of
//! the queue is assigned.

use super::fanout;
use super::{AppResult, Dialogs, MAX_ATTEMPTS};
use crate::domain::{
    Cap, ChatHandling, Dialog, DomainError, Load, LoadMove, Message, Presence, candidates,
};
use crate::ids::{DialogId, OperatorId, WorkspaceId};
use crate::ports::StoreError;
use crate::protocol::ServerEvent;

/// How many queued dialogs are told their place, and counted for one: the first 500.
pub const QUEUE_TOLD: usize = 500;

/// How many dialogs one drain assigns at most; the next freed slot drains on.
const DRAIN_BATCH: usize = 100;

/// What became of a dialog distribution was asked to place.
#[derive(Debug, PartialEq, Eq)]
enum Placed {
    /// Given to an operator.
    Assigned,
    /// Nobody had room: it waits in the queue (or already did).
    Queued,
    /// It no longer needs an operator (someone joined, it closed).
    NotNeeded,
    /// The operator tried cannot take dialogs (deactivated, or no longer in the workspace).
    Unfit,
}

impl Dialogs {
    /// After a change is stored and told: where distribution is on, a dialog that needs an
    /// operator is placed, and a slot that `moved` freed goes to the head of the queue. Reads the
    /// workspace's settings only when either may be the case. A failure is logged, never the
    /// change's: the change is stored, and a dialog not placed rings for everyone as without
    /// distribution (the next freed slot or available operator drains the queue).
    pub(super) async fn distribute_after(&self, dialog: &Dialog, moved: &LoadMove) {
        if let Err(e) = self.try_distribute_after(dialog, moved).await {
            tracing::warn!(dialog_id = %dialog.id, error = %e, "distribution.failed");
        }
    }

    async fn try_distribute_after(&self, dialog: &Dialog, moved: &LoadMove) -> AppResult<()> {
        let needs = dialog.needs_operator() && dialog.queued_since.is_none();
        if !needs && !moved.frees() {
            return Ok(());
        }
        let handling = super::handling_of(&*self.directory, &dialog.workspace).await?;
        if !handling.distribution {
            return Ok(());
        }
        if needs {
            self.place(&dialog.workspace, &dialog.id, &handling).await?;
        }
        if moved.frees() {
            self.drain_queue(&dialog.workspace, &handling).await?;
        }
        Ok(())
    }

    /// Dialogs in operators' charge were deleted: their slots go to the head of the queue, where
    /// distribution is on. A failure is logged, never the delete's.
    pub(super) async fn slots_freed(&self, workspace: &WorkspaceId) {
        let drained = async {
            let handling = super::handling_of(&*self.directory, workspace).await?;
            if handling.distribution {
                self.drain_queue(workspace, &handling).await?;
            }
            AppResult::Ok(())
        };
        if let Err(e) = drained.await {
            tracing::warn!(workspace_id = %workspace, error = %e, "distribution.failed");
        }
    }

    /// Presence said whether the operator is available: distribution follows, and an operator
    /// who became available takes from the queue. A failure is logged, never the status change's.
    pub(crate) async fn presence_changed(
        &self,
        workspace: &WorkspaceId,
        op: &OperatorId,
        presence: Presence,
    ) {
        let followed = async {
            self.loads
                .set_available(workspace, op, presence.is_available())
                .await?;
            if presence.is_available() {
                let handling = super::handling_of(&*self.directory, workspace).await?;
                if handling.distribution {
                    self.drain_queue(workspace, &handling).await?;
                }
            }
            AppResult::Ok(())
        };
        if let Err(e) = followed.await {
            tracing::warn!(operator_id = %op, error = %e, "distribution.presence_not_followed");
        }
    }

    /// Assigns the dialog to the best available operator with room, or queues it.
    async fn place(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        handling: &ChatHandling,
    ) -> AppResult<Placed> {
        let cap = Cap::of(handling);
        for _ in 0..MAX_ATTEMPTS {
            let loads = self.loads.loads(workspace).await?;
            let ranked: Vec<&Load> = candidates(&loads, cap, id);
            if ranked.is_empty() {
                return self.enqueue(workspace, id, cap).await;
            }
            let mut filled = false;
            for load in ranked {
                match self.assign(workspace, id, &load.operator, cap).await? {
                    Some(Placed::Unfit) => {}
                    Some(placed) => return Ok(placed),
                    // Full or no longer available: the next one.
                    None => filled = true,
                }
            }
            if !filled {
                break;
            }
            // Some filled up meanwhile: read the loads again.
        }
        // Nobody could take it after all (the candidates deactivated, or filling up faster than
        // it could be given): it waits with the others.
        self.enqueue(workspace, id, cap).await
    }

    /// Gives the dialog to `to` if they are still available with room (`None` when not: they
    /// filled up or their last console closed meanwhile).
    async fn assign(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        to: &OperatorId,
        cap: Cap,
    ) -> AppResult<Option<Placed>> {
        let Some(op) = self.directory.get_operator(workspace, to).await? else {
            return Ok(Some(Placed::Unfit));
        };
        if !op.active {
            return Ok(Some(Placed::Unfit));
        }
        let queued_since = std::sync::Mutex::new(None);
        let committed = self
            .commit_change(workspace, id, Some(cap), |d, now| {
                *queued_since.lock().expect("not poisoned") = d.queued_since;
                d.assign(&op, now)
            })
            .await;
        let (dialog, added, _) = match committed {
            Ok(done) => done,
            Err(super::AppError::Store(StoreError::NoRoom)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if added.is_empty() {
            return Ok(Some(Placed::NotNeeded));
        }
        tracing::info!(dialog_id = %dialog.id, operator_id = %op.id, "distribution.assigned");
        self.announce(&dialog, &added, None, &[]).await?;
        if let Some(since) = queued_since.into_inner().expect("not poisoned") {
            let at = added[0].created_at;
            self.left_queue(workspace, since, at).await;
            self.reports.left_queue(&dialog, &op.id, since, at).await;
        }
        Ok(Some(Placed::Assigned))
    }

    /// Puts the dialog in the queue, then looks once more for room: a slot freed between reading
    /// the loads and the queue's commit would otherwise wait for the next one.
    async fn enqueue(&self, workspace: &WorkspaceId, id: &DialogId, cap: Cap) -> AppResult<Placed> {
        let (dialog, added, _) = self
            .commit_change(workspace, id, None, |d, now| Ok(d.enqueue(now)))
            .await?;
        if !added.is_empty() {
            tracing::info!(dialog_id = %dialog.id, "distribution.queued");
            self.announce(&dialog, &added, None, &[]).await?;
        }
        let loads = self.loads.loads(workspace).await?;
        if !candidates(&loads, cap, id).is_empty() {
            Box::pin(self.drain(workspace, cap)).await?;
        } else if !added.is_empty() {
            // Joining the back of the queue moves nobody else: only this visitor is told.
            self.tell_place(&dialog).await?;
        }
        Ok(Placed::Queued)
    }

    async fn drain_queue(&self, workspace: &WorkspaceId, handling: &ChatHandling) -> AppResult<()> {
        self.drain(workspace, Cap::of(handling)).await
    }

    /// Assigns queued dialogs from the head while anyone has room; tells those still waiting their
    /// new place when any left. At most `DRAIN_BATCH` rounds of the queue's head.
    async fn drain(&self, workspace: &WorkspaceId, cap: Cap) -> AppResult<()> {
        let mut assigned = 0;
        'rounds: for _ in 0..DRAIN_BATCH {
            let head = self.dialogs.queued_dialogs(workspace, 10).await?;
            if head.is_empty() {
                break;
            }
            let mut moved = false;
            for id in &head {
                let loads = self.loads.loads(workspace).await?;
                let Some(best) = candidates(&loads, cap, id)
                    .first()
                    .map(|l| l.operator.clone())
                else {
                    break 'rounds;
                };
                match self.assign(workspace, id, &best, cap).await? {
                    Some(Placed::Assigned) => {
                        assigned += 1;
                        moved = true;
                    }
                    Some(_) => {}
                    // They filled up meanwhile: the loads are read again for the same head.
                    None => break,
                }
            }
            if !moved {
                // Nothing at the head could be given to anyone (it no longer needs an operator,
                // or whoever looked free was not): the next change drains on.
                break;
            }
        }
        if assigned > 0 {
            self.tell_queue(workspace).await?;
        }
        Ok(())
    }

    /// The queue moved: its pace follows (for the estimated wait).
    async fn left_queue(
        &self,
        workspace: &WorkspaceId,
        queued_since: crate::domain::Millis,
        now: crate::domain::Millis,
    ) {
        let paced = async {
            let pace = self.loads.queue_pace(workspace).await?;
            self.loads
                .put_queue_pace(workspace, &pace.after_departure(queued_since, now))
                .await
        };
        if let Err(e) = paced.await {
            tracing::warn!(workspace_id = %workspace, error = %e, "queue pace not kept");
        }
    }

    /// Tells each visitor waiting in the queue (the first `QUEUE_TOLD`) their place and the
    /// estimated wait, after dialogs left it: one read of the queue, one of its dialogs, one of
    /// each one's tabs.
    pub(super) async fn tell_queue(&self, workspace: &WorkspaceId) -> AppResult<()> {
        let ids = self.dialogs.queued_dialogs(workspace, QUEUE_TOLD).await?;
        if ids.is_empty() {
            return Ok(());
        }
        let pace = self.loads.queue_pace(workspace).await?;
        // One read each, at once: the same reads a batch would make, under the grants every
        // function that distributes already holds.
        let dialogs: Vec<Dialog> = futures_util::future::try_join_all(
            ids.iter().map(|id| self.dialogs.get_dialog(workspace, id)),
        )
        .await?
        .into_iter()
        .flatten()
        .collect();
        let mut position = 0;
        for id in &ids {
            // The index follows commits: a dialog that has just left may still be listed.
            let Some(dialog) = dialogs
                .iter()
                .find(|d| &d.id == id && d.queued_since.is_some())
            else {
                continue;
            };
            position += 1;
            let event = queue_event(dialog, pace.place(position));
            let tabs = self
                .connections
                .visitor_connections(workspace, &dialog.visitor)
                .await?;
            self.delivery
                .deliver(&fanout::workspace(&tabs, &event))
                .await;
        }
        Ok(())
    }

    /// A visitor's place in the queue now, if their dialog waits there (among the first
    /// `QUEUE_TOLD`): one read of the queue and of the pace.
    pub async fn queue_place(
        &self,
        visitor: &crate::domain::Visitor,
    ) -> AppResult<Option<ServerEvent>> {
        let Some(id) = &visitor.dialog else {
            return Ok(None);
        };
        let Some(dialog) = self.dialogs.get_dialog(&visitor.workspace, id).await? else {
            return Ok(None);
        };
        self.place_of(&dialog).await
    }

    /// The dialog's place in the queue, if it waits there among the first `QUEUE_TOLD`: one read
    /// of the queue and one of the pace.
    async fn place_of(&self, dialog: &Dialog) -> AppResult<Option<ServerEvent>> {
        if dialog.queued_since.is_none() {
            return Ok(None);
        }
        let ids = self
            .dialogs
            .queued_dialogs(&dialog.workspace, QUEUE_TOLD)
            .await?;
        let Some(index) = ids.iter().position(|q| q == &dialog.id) else {
            return Ok(None);
        };
        let pace = self.loads.queue_pace(&dialog.workspace).await?;
        Ok(Some(queue_event(dialog, pace.place(index as u64 + 1))))
    }

    /// Tells one queued dialog's visitor their place.
    async fn tell_place(&self, dialog: &Dialog) -> AppResult<()> {
        let Some(event) = self.place_of(dialog).await? else {
            return Ok(());
        };
        let tabs = self
            .connections
            .visitor_connections(&dialog.workspace, &dialog.visitor)
            .await?;
        self.delivery
            .deliver(&fanout::workspace(&tabs, &event))
            .await;
        Ok(())
    }

    /// `mutate_dialog`, moving loads (under `cap`, for an assignment), and saying how.
    pub(super) async fn commit_change<F>(
        &self,
        workspace: &WorkspaceId,
        id: &DialogId,
        cap: Option<Cap>,
        transition: F,
    ) -> AppResult<(Dialog, Vec<Message>, LoadMove)>
    where
        F: Fn(&mut Dialog, crate::domain::Millis) -> Result<Vec<Message>, DomainError>,
    {
        for attempt in 0..MAX_ATTEMPTS {
            let mut dialog = self
                .dialogs
                .get_dialog(workspace, id)
                .await?
                .ok_or(DomainError::DialogNotFound)?;
            let before = dialog.clone();
            let added = transition(&mut dialog, self.clock.now())?;
            if added.is_empty() {
                return Ok((dialog, added, LoadMove::default()));
            }
            dialog.version += 1;
            let moved = LoadMove {
                cap,
                ..LoadMove::between(Some(&before), &dialog)
            };
            match self.dialogs.commit(&dialog, &added, &moved).await {
                Ok(()) => return Ok((dialog, added, moved)),
                Err(StoreError::Conflict) => super::backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }
}

fn queue_event(dialog: &Dialog, place: crate::domain::QueuePlace) -> ServerEvent {
    ServerEvent::QueuePosition {
        dialog_id: dialog.id.clone(),
        position: place.position,
        estimated_wait_secs: place.estimated_wait_ms.map(|ms| (ms + 999) / 1000),
    }
}
