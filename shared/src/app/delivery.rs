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
}
