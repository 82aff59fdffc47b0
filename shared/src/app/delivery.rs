//! Delivery: posting frames to connections, and forgetting the ones that are gone.

use std::sync::{Arc, OnceLock, Weak};

use futures_util::future::BoxFuture;

use super::Post;
use crate::domain::Connection;
use crate::ports::{Clock, ConnectionStore, Push, PushError};

/// Told of an operator's connection that a post found gone: its record is deleted here, so its
/// `$disconnect`, when it comes, finds nothing, and presence must hear of it now.
pub(crate) trait GoneConsoles: Send + Sync {
    fn console_gone<'a>(&'a self, connection: &'a Connection) -> BoxFuture<'a, ()>;
}

#[derive(Clone)]
pub struct Delivery {
    push: Arc<dyn Push>,
    /// Only to delete a connection the push found gone.
    pub(crate) connections: Arc<dyn ConnectionStore>,
    /// Presence, once the application is built (it posts through this delivery itself).
    gone_consoles: Arc<OnceLock<Weak<dyn GoneConsoles>>>,
    clock: Arc<dyn Clock>,
}

/// API Gateway answers 410 for a connection whose `$connect` has not answered yet: a record this
/// fresh is a socket still opening, not a stale one, and is kept.
pub const OPENING_MS: crate::domain::Millis = 30_000;

impl Delivery {
    pub fn new(
        push: Arc<dyn Push>,
        connections: Arc<dyn ConnectionStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            push,
            connections,
            gone_consoles: Arc::new(OnceLock::new()),
            clock,
        }
    }

    /// Who hears of operators' connections found gone.
    pub(crate) fn tell_gone_consoles_to(&self, to: Weak<dyn GoneConsoles>) {
        let _ = self.gone_consoles.set(to);
    }

    /// Forgets a connection a post found gone; an operator's is told to presence (one more read).
    async fn forget_gone(&self, id: &crate::ids::ConnectionId) {
        let record = match self.connections.get_connection(id).await {
            Ok(record) => record,
            Err(e) => {
                tracing::warn!(connection_id = %id, error = %e, "stale connection not read");
                None
            }
        };
        let now = self.clock.now();
        if record
            .as_ref()
            .is_some_and(|c| now - c.connected_at < OPENING_MS && c.seen_at.is_none())
        {
            return;
        }
        if let Err(e) = self.connections.delete_connection(id).await {
            tracing::warn!(connection_id = %id, error = %e, "stale connection not deleted");
            return;
        }
        let Some(record) = record.filter(|c| c.operator().is_some()) else {
            return;
        };
        if let Some(presence) = self.gone_consoles.get().and_then(Weak::upgrade) {
            presence.console_gone(&record).await;
        }
    }

    /// Posts every frame at once. A 410 deletes that connection's record (the stale one, never
    /// anything else, nor one still opening: `OPENING_MS`) and, for an operator's, tells presence;
    /// other failures are logged. Returns, per post, whether it arrived.
    pub async fn deliver(&self, posts: &[Post]) -> Vec<bool> {
        let sends = posts.iter().map(|post| async move {
            match self.push.post(&post.to, &post.payload).await {
                Ok(()) => true,
                Err(PushError::Gone) => {
                    self.forget_gone(&post.to).await;
                    false
                }
                Err(PushError::Failed(e)) => {
                    tracing::warn!(connection_id = %post.to, error = %e, "push failed");
                    false
                }
            }
        });
        futures_util::future::join_all(sends).await
    }

    /// Closes every one of these connections and forgets their records (`$disconnect` would too,
    /// but a refused caller must not wait for it). A connection already gone is simply forgotten.
    pub async fn close(&self, connections: &[crate::domain::Connection]) {
        let closes = connections.iter().map(|c| async move {
            match self.push.close(&c.id).await {
                Ok(()) | Err(PushError::Gone) => {}
                Err(PushError::Failed(e)) => {
                    tracing::warn!(connection_id = %c.id, error = %e, "close failed");
                }
            }
            if let Err(e) = self.connections.delete_connection(&c.id).await {
                tracing::warn!(connection_id = %c.id, error = %e, "closed connection not deleted");
            }
        });
        futures_util::future::join_all(closes).await;
    }
}
