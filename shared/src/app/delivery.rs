//! Delivery: posting frames to connections, and forgetting the ones that are gone.

use std::sync::Arc;

use super::Post;
use crate::ports::{ConnectionStore, Push, PushError};

#[derive(Clone)]
pub struct Delivery {
    push: Arc<dyn Push>,
    /// Only to delete a connection the push found gone.
    pub(crate) connections: Arc<dyn ConnectionStore>,
}

impl Delivery {
    pub fn new(push: Arc<dyn Push>, connections: Arc<dyn ConnectionStore>) -> Self {
        Self { push, connections }
    }

    /// Posts every frame at once. A 410 deletes that connection's record (the stale one, never
    /// anything else); other failures are logged. Returns, per post, whether it arrived.
    pub async fn deliver(&self, posts: &[Post]) -> Vec<bool> {
        let sends = posts.iter().map(|post| async move {
            match self.push.post(&post.to, &post.payload).await {
                Ok(()) => true,
                Err(PushError::Gone) => {
                    if let Err(e) = self.connections.delete_connection(&post.to).await {
                        tracing::warn!(connection_id = %post.to, error = %e, "stale connection not deleted");
                    }
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
