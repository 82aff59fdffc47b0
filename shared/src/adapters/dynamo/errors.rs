//! Failures: the store's refusals become named errors here, and only here.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::CancellationReason;

use crate::ports::{StoreError, StoreResult};

pub enum Failure {
    Condition,
    Store(StoreError),
}

pub fn failure<E>(e: SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if e.code() == Some("ConditionalCheckFailedException") {
        Failure::Condition
    } else {
        Failure::Store(unavailable(e))
    }
}

/// Runs a conditional single-item write; `Ok(false)` when its condition did not hold.
pub fn condition_held<O, E>(result: Result<O, SdkError<E, HttpResponse>>) -> StoreResult<bool>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result.map_err(failure) {
        Ok(_) => Ok(true),
        Err(Failure::Condition) => Ok(false),
        Err(Failure::Store(e)) => Err(e),
    }
}

pub fn unavailable<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

pub fn invalid_request(e: BuildError) -> StoreError {
    StoreError::Unavailable(format!("a request to DynamoDB is incomplete: {e}"))
}

/// What an item of a transaction guards, so that a cancellation maps back to a named error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// The dialog's version (or its absence, on creation).
    Dialog,
    /// The visitor exists and has no dialog yet.
    Visitor,
    /// A message's `seq` is free: holds whenever the dialog's version does.
    Message,
    /// A message's client id is new in the dialog.
    ClientId,
    /// A unique key (an operator's id or email) is free.
    Unique,
    /// An operator's version, or that the admin vouching for a change is still an active admin.
    Operator,
    /// An operator's load, moved without a condition: it never fails but on a race.
    Load,
    /// The operator an assignment goes to is available and below the cap.
    Room,
    /// A closed dialog's retention mark: written whole, it guards nothing of its own.
    Retention,
    /// A contact's version (or its absence, on creation), or that a key it releases is its own.
    Contact,
    /// A tag's version (or its absence, on creation), or that a name it releases is its own.
    Tag,
}

/// The guards that lost when a transaction was cancelled; any other failure is the store's.
/// `TransactionConflict` (another transaction held the item) is a lost race like a failed condition.
pub fn lost_guards(
    e: SdkError<TransactWriteItemsError, HttpResponse>,
    guards: &[Guard],
) -> Result<Vec<Guard>, StoreError> {
    let Some(TransactWriteItemsError::TransactionCanceledException(cancel)) = e.as_service_error()
    else {
        return Err(unavailable(e));
    };
    let reasons = cancel.cancellation_reasons();
    let lost: Vec<Guard> = guards
        .iter()
        .zip(reasons)
        .filter(|(_, r)| {
            matches!(
                r.code(),
                Some("ConditionalCheckFailed" | "TransactionConflict")
            )
        })
        .map(|(g, _)| *g)
        .collect();
    if lost.is_empty() {
        Err(cancelled(reasons))
    } else {
        Ok(lost)
    }
}

/// A record written with a unique item of its own (a contact's keys, a tag's name) that lost:
/// its own version outranks the unique item, so the caller reads the record again first
/// (`Conflict`); else another record holds the unique one (`AlreadyExists`).
pub fn record_or_unique(lost: &[Guard], record: Guard) -> StoreError {
    if lost.contains(&record) {
        StoreError::Conflict
    } else {
        StoreError::AlreadyExists
    }
}

pub fn cancelled(reasons: &[CancellationReason]) -> StoreError {
    let why: Vec<String> = reasons
        .iter()
        .filter(|r| r.code() != Some("None"))
        .map(|r| format!("{}: {}", r.code().unwrap_or("?"), r.message().unwrap_or("")))
        .collect();
    StoreError::Unavailable(format!("the transaction was cancelled: {}", why.join("; ")))
}

/// Maps a cancelled commit to a named error. A lost race on the dialog, the visitor or a message
/// outranks a duplicate client id: the caller re-reads the dialog and retries, and the retry reports
/// the duplicate against the current dialog (or finds that the race's winner stored that very
/// message). Only when nothing but client ids failed is the commit a duplicate; only when nothing
/// but an assignment's room failed is it `NoRoom`.
pub fn commit_refusal(lost: &[Guard]) -> StoreError {
    if lost.iter().all(|g| *g == Guard::Room) {
        StoreError::NoRoom
    } else if lost.iter().all(|g| *g == Guard::ClientId) {
        StoreError::DuplicateMessage
    } else {
        StoreError::Conflict
    }
}
