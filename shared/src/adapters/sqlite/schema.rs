//! The tables and indexes, created at open when missing, and the changes a data folder of an
//! older version needs first (`migrate`). Each row keeps the record as JSON in `body`; the columns
//! beside it are what keys, conditions and ordering need.

use super::errors::unavailable;
use crate::ports::StoreResult;
use rusqlite::{Connection as Db, OptionalExtension};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (key TEXT PRIMARY KEY, workspace TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sites_by_workspace ON sites (workspace);
CREATE TABLE IF NOT EXISTS operators (
    workspace TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, email));
CREATE INDEX IF NOT EXISTS operators_by_email ON operators (email);
CREATE TABLE IF NOT EXISTS visitors (
    workspace TEXT NOT NULL, id TEXT NOT NULL, dialog TEXT, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE INDEX IF NOT EXISTS visitors_by_dialog ON visitors (workspace, dialog) WHERE dialog IS NOT NULL;
CREATE TABLE IF NOT EXISTS dialogs (
    workspace TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, last_activity INTEGER NOT NULL,
    version INTEGER NOT NULL, body TEXT NOT NULL, assignee TEXT, delete_at INTEGER,
    PRIMARY KEY (workspace, id));
CREATE INDEX IF NOT EXISTS dialogs_by_activity ON dialogs (workspace, status, last_activity DESC, id DESC);
CREATE INDEX IF NOT EXISTS dialogs_in_charge ON dialogs (workspace, assignee) WHERE assignee IS NOT NULL;
CREATE INDEX IF NOT EXISTS dialogs_due ON dialogs (delete_at) WHERE delete_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS messages (
    workspace TEXT NOT NULL, dialog TEXT NOT NULL, seq INTEGER NOT NULL, client_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, dialog, seq),
    UNIQUE (workspace, dialog, client_id));
CREATE TABLE IF NOT EXISTS receipts (
    workspace TEXT NOT NULL, dialog TEXT NOT NULL, side TEXT NOT NULL, receipt TEXT NOT NULL,
    up_to INTEGER NOT NULL,
    PRIMARY KEY (workspace, dialog, side, receipt));
CREATE TABLE IF NOT EXISTS read_markers (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, dialog TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, operator, dialog));
CREATE INDEX IF NOT EXISTS read_markers_by_dialog ON read_markers (workspace, dialog);
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY, workspace TEXT NOT NULL, kind TEXT NOT NULL, peer TEXT NOT NULL,
    expires_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS connections_by_peer ON connections (workspace, kind, peer);
CREATE TABLE IF NOT EXISTS tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quick_replies (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, operator, id));
CREATE TABLE IF NOT EXISTS search_terms (
    workspace TEXT NOT NULL, term TEXT NOT NULL, dialog TEXT NOT NULL, field TEXT NOT NULL,
    seq INTEGER, at INTEGER NOT NULL,
    PRIMARY KEY (workspace, term, dialog, field));
CREATE INDEX IF NOT EXISTS search_terms_by_dialog ON search_terms (workspace, dialog);
CREATE TABLE IF NOT EXISTS push_subscriptions (
    endpoint TEXT PRIMARY KEY, workspace TEXT NOT NULL, operator TEXT NOT NULL,
    created_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS push_subscriptions_by_operator ON push_subscriptions (workspace, operator);
CREATE TABLE IF NOT EXISTS operator_groups (
    workspace TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE TABLE IF NOT EXISTS upload_marks (
    workspace TEXT NOT NULL, attachment TEXT NOT NULL, message TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, attachment));
CREATE INDEX IF NOT EXISTS upload_marks_by_expiry ON upload_marks (expires_at);
CREATE TABLE IF NOT EXISTS push_choices (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, operator));
CREATE TABLE IF NOT EXISTS limit_counters (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS limit_counters_by_end ON limit_counters (ends_at);
CREATE TABLE IF NOT EXISTS report_counters (
    workspace TEXT NOT NULL, day TEXT NOT NULL, operator TEXT NOT NULL, counter TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (workspace, day, operator, counter));
CREATE TABLE IF NOT EXISTS presence_marks (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, presence TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (workspace, operator));
CREATE TABLE IF NOT EXISTS console_watches (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, due_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, operator));
CREATE INDEX IF NOT EXISTS console_watches_by_due ON console_watches (due_at);
CREATE TABLE IF NOT EXISTS operator_loads (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, available INTEGER NOT NULL DEFAULT 0,
    last_assigned_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace, operator));
CREATE TABLE IF NOT EXISTS charges (
    workspace TEXT NOT NULL, operator TEXT NOT NULL, dialog TEXT NOT NULL, held INTEGER NOT NULL,
    PRIMARY KEY (workspace, operator, dialog));
CREATE INDEX IF NOT EXISTS charges_by_dialog ON charges (workspace, dialog);
CREATE TABLE IF NOT EXISTS queue (
    workspace TEXT NOT NULL, dialog TEXT NOT NULL, queued_since INTEGER NOT NULL,
    PRIMARY KEY (workspace, dialog));
CREATE INDEX IF NOT EXISTS queue_by_arrival ON queue (workspace, queued_since, dialog);
CREATE TABLE IF NOT EXISTS queue_paces (workspace TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
    workspace TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE TABLE IF NOT EXISTS contact_keys (
    workspace TEXT NOT NULL, key TEXT NOT NULL, contact TEXT NOT NULL,
    PRIMARY KEY (workspace, key));
CREATE TABLE IF NOT EXISTS contact_dialogs (
    workspace TEXT NOT NULL, contact TEXT NOT NULL, dialog TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, contact, dialog));
CREATE TABLE IF NOT EXISTS contact_claims (
    workspace TEXT NOT NULL, key TEXT NOT NULL, contact TEXT NOT NULL,
    PRIMARY KEY (workspace, key, contact));
CREATE TABLE IF NOT EXISTS tags (
    workspace TEXT NOT NULL, id TEXT NOT NULL, name_key TEXT NOT NULL, version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, name_key));
CREATE TABLE IF NOT EXISTS tag_counts (
    workspace TEXT NOT NULL, tag TEXT NOT NULL, dialogs INTEGER NOT NULL,
    PRIMARY KEY (workspace, tag));
CREATE TABLE IF NOT EXISTS contact_names (
    workspace TEXT NOT NULL, word TEXT NOT NULL, contact TEXT NOT NULL,
    PRIMARY KEY (workspace, word, contact));
"#;

/// Brings the tables of an older data folder to `SCHEMA`, in one transaction, keeping every row:
/// - operators' emails were unique across workspaces; now within a workspace (the table is
///   rebuilt, since SQLite cannot drop a constraint);
/// - dialogs gain the `assignee` column (the operator in charge), filled from each body;
/// - dialogs gain the `delete_at` column (when retention deletes a closed one): none was due before.
pub fn open_schema(db: &mut Db) -> StoreResult<()> {
    let tx = db.transaction().map_err(unavailable)?;
    let table_sql = |name: &str| -> StoreResult<Option<String>> {
        tx.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()
        .map_err(unavailable)
    };
    let global_emails =
        table_sql("operators")?.is_some_and(|sql| sql.contains("email TEXT NOT NULL UNIQUE"));
    if global_emails {
        tx.execute_batch("ALTER TABLE operators RENAME TO operators_before_workspace_emails;")
            .map_err(unavailable)?;
    }
    let dialogs_lack_assignee = table_sql("dialogs")?.is_some_and(|sql| !sql.contains("assignee"));
    if dialogs_lack_assignee {
        tx.execute_batch(
            "ALTER TABLE dialogs ADD COLUMN assignee TEXT;
             UPDATE dialogs SET assignee = json_extract(body, '$.assignee.id');",
        )
        .map_err(unavailable)?;
    }
    let dialogs_lack_delete_at =
        table_sql("dialogs")?.is_some_and(|sql| !sql.contains("delete_at"));
    if dialogs_lack_delete_at {
        tx.execute_batch("ALTER TABLE dialogs ADD COLUMN delete_at INTEGER;")
            .map_err(unavailable)?;
    }
    tx.execute_batch(SCHEMA).map_err(unavailable)?;
    if global_emails {
        tx.execute_batch(
            "INSERT INTO operators (workspace, id, email, body)
                 SELECT workspace, id, email, body FROM operators_before_workspace_emails;
             DROP TABLE operators_before_workspace_emails;",
        )
        .map_err(unavailable)?;
    }
    tx.commit().map_err(unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_data_folder_keeps_its_rows_and_gains_the_new_keys() {
        let mut db = Db::open_in_memory().unwrap();
        db.execute_batch(
            r#"CREATE TABLE operators (
                workspace TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
                PRIMARY KEY (workspace, id));
            CREATE TABLE dialogs (
                workspace TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, last_activity INTEGER NOT NULL,
                version INTEGER NOT NULL, body TEXT NOT NULL,
                PRIMARY KEY (workspace, id));
            CREATE INDEX dialogs_by_activity ON dialogs (workspace, status, last_activity DESC, id DESC);
            INSERT INTO operators VALUES ('ws_a', 'op_a', 'anna@example.com', '{}');
            INSERT INTO dialogs VALUES ('ws_a', 'dlg_1', 'open', 1, 3, '{"assignee": {"id": "op_a", "name": "Anna"}}');
            INSERT INTO dialogs VALUES ('ws_a', 'dlg_2', 'open', 2, 1, '{}');"#,
        )
        .unwrap();
        open_schema(&mut db).unwrap();
        open_schema(&mut db).unwrap();
        let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT count(*) FROM operators"),
            1,
            "the operator is kept"
        );
        db.execute(
            "INSERT INTO operators VALUES ('ws_b', 'op_b', 'anna@example.com', '{}')",
            [],
        )
        .expect("the same email in another workspace");
        assert!(
            db.execute(
                "INSERT INTO operators VALUES ('ws_a', 'op_c', 'anna@example.com', '{}')",
                [],
            )
            .is_err(),
            "but not twice in one"
        );
        assert_eq!(
            count("SELECT count(*) FROM dialogs WHERE workspace = 'ws_a' AND assignee = 'op_a'"),
            1,
            "the charge is filled in from the stored dialog"
        );
        assert_eq!(count("SELECT count(*) FROM dialogs"), 2);
    }
}
