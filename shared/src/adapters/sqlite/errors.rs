//! SQLite's failures as `StoreError`; constraint violations are named by each caller.

use crate::ports::StoreError;
use rusqlite::ErrorCode;

pub fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

pub fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}
