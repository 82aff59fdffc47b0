//! The embedded store: SQLite in a data folder, so a local run survives a restart. The same ports
//! and the same race semantics as DynamoDB: versions and uniqueness are enforced by the database
//! inside one transaction, never by reading first.
//!
//! `schema` holds the tables, `row` maps rows to records, `errors` maps SQLite's failures; then one
//! file per port: `directory`, `dialogs`, `contacts`, `receipts`, `read_markers`, `connections`, `tickets`,
//! `quick_replies`, `search`, `push_subscriptions`, `groups`, `upload_marks`, `limits`, `reports`.

mod connections;
mod console_watches;
mod contacts;
mod dialogs;
mod directory;
mod errors;
mod groups;
mod limits;
mod loads;
mod push_subscriptions;
mod quick_replies;
mod read_markers;
mod receipts;
mod reports;
mod row;
mod schema;
mod search;
mod tags;
mod tickets;
mod upload_marks;

use crate::ports::{Clock, StoreResult, SystemClock};
use errors::unavailable;
use rusqlite::Connection as Db;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::{Arc, mpsc};
use tokio::sync::oneshot;

/// One store call, run on the thread that owns the connection.
type Job = Box<dyn FnOnce(&mut Db) + Send>;

/// SQLite runs one statement at a time on a connection, so one thread owns it and the calls queue
/// to it: a burst of calls waits in the queue, not in as many blocked threads.
#[derive(Clone)]
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
    clock: Arc<dyn Clock>,
}

impl SqliteStore {
    /// Opens (or creates) `parlor.db` in `folder`.
    pub fn open(folder: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(folder)
            .map_err(|e| unavailable(format!("cannot create {}: {e}", folder.display())))?;
        let db = Db::open(folder.join("parlor.db")).map_err(unavailable)?;
        // WAL with synchronous=NORMAL survives a killed process (not a power cut) without a sync per write.
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(unavailable)?;
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(unavailable)?;
        Self::init(db)
    }

    /// A store that lives as long as the process: for tests.
    pub fn in_memory() -> StoreResult<Self> {
        Self::init(Db::open_in_memory().map_err(unavailable)?)
    }

    fn init(mut db: Db) -> StoreResult<Self> {
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(unavailable)?;
        schema::open_schema(&mut db)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("parlor-sqlite".into())
            .spawn(move || {
                let mut db = db;
                // Ends, closing the database, when the last clone of the store is dropped.
                for job in queue {
                    // A call that panics fails alone (its caller gets `Unavailable`); the thread goes on.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut db)));
                }
            })
            .map_err(unavailable)?;
        Ok(Self {
            jobs,
            clock: Arc::new(SystemClock),
        })
    }

    /// Runs `f` on the connection's thread and waits for its answer without blocking the runtime.
    async fn with<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> StoreResult<T> + Send + 'static,
    {
        let (done, answer) = oneshot::channel();
        let job: Job = Box::new(move |db| {
            let _ = done.send(f(db));
        });
        self.jobs
            .send(job)
            .map_err(|_| unavailable("the SQLite thread has stopped"))?;
        answer
            .await
            .map_err(|_| unavailable("the SQLite call panicked"))?
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }
}
