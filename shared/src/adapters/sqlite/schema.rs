//! The tables and indexes, created at open when missing. Each row keeps the record as JSON in
//! `body`; the columns beside it are what keys, conditions and ordering need.

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (key TEXT PRIMARY KEY, workspace TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sites_by_workspace ON sites (workspace);
CREATE TABLE IF NOT EXISTS operators (
    workspace TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE TABLE IF NOT EXISTS visitors (
    workspace TEXT NOT NULL, id TEXT NOT NULL, dialog TEXT, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE TABLE IF NOT EXISTS dialogs (
    workspace TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, last_activity INTEGER NOT NULL,
    version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (workspace, id));
CREATE INDEX IF NOT EXISTS dialogs_by_activity ON dialogs (workspace, status, last_activity DESC, id DESC);
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
"#;
