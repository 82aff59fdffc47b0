//! The push for in-process runs (fuzzing, cost): keeps every post instead of sending it.

use async_trait::async_trait;
use parlor_core::ids::ConnectionId;
use parlor_core::ports::{Push, PushError};
use std::sync::Mutex;

#[derive(Default)]
pub struct RecordingPush(Mutex<Vec<(String, String)>>);

#[async_trait]
impl Push for RecordingPush {
    async fn post(&self, to: &ConnectionId, payload: &str) -> Result<(), PushError> {
        self.0
            .lock()
            .expect("not poisoned")
            .push((to.as_str().to_owned(), payload.to_owned()));
        Ok(())
    }

    /// A closed connection is noted as a post of nothing.
    async fn close(&self, connection: &ConnectionId) -> Result<(), PushError> {
        self.0
            .lock()
            .expect("not poisoned")
            .push((connection.as_str().to_owned(), String::new()));
        Ok(())
    }
}

impl RecordingPush {
    /// The posts since the last take, as (connection, payload), and forgets them.
    pub fn take(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.0.lock().expect("not poisoned"))
    }
}
