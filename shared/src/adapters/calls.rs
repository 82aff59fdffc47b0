//! Records the IAM grants that the AWS calls made inside each function's scope need, so that a
//! test can hold `deploy::PERMISSIONS` to what the code really calls. Attach [`AwsCalls`] to an
//! SDK client (`config::Builder::interceptor`): it reads each request before it is sent and
//! changes nothing. Nothing in a deployed function attaches it.

use crate::deploy::{Function, Resource};
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_smithy_runtime_api::client::interceptors::context::Input;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// An IAM action on one of Parlor's resources, as a call needed it.
pub type Needed = (String, Resource);

/// The grants each function's calls needed, and the calls no grant can name.
#[derive(Debug, Clone, Default)]
pub struct AwsCalls {
    seen: Arc<Mutex<Seen>>,
}

#[derive(Debug, Default)]
struct Seen {
    needed: BTreeMap<Function, BTreeSet<Needed>>,
    unknown: BTreeSet<String>,
}

impl AwsCalls {
    pub fn new() -> Self {
        Self::default()
    }

    /// What the calls made as `function` needed so far.
    pub fn needed_by(&self, function: Function) -> BTreeSet<Needed> {
        self.lock()
            .needed
            .get(&function)
            .cloned()
            .unwrap_or_default()
    }

    /// Records that the running function signed a request someone else will send (a presigned
    /// upload or link): signing calls nothing, yet the request runs with the signer's grants.
    pub fn presigned(&self, action: &str, on: Resource) {
        if let Some(function) = Function::current() {
            self.lock()
                .needed
                .entry(function)
                .or_default()
                .insert((action.to_owned(), on));
        }
    }

    /// Calls made inside a function's scope that map to no resource Parlor grants on: a Scan, an
    /// index other than `GSI1` and `GSI2`, another service.
    pub fn unknown(&self) -> BTreeSet<String> {
        self.lock().unknown.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What one call needs. A transaction needs no action of its own: each item needs the action it
/// performs (DynamoDB's IAM guide, "Using IAM with DynamoDB transactions").
fn needed(service: &str, operation: &str, input: &Input) -> Result<Vec<Needed>, String> {
    let on = |action: &str, resource| Ok(vec![(action.to_owned(), resource)]);
    match (service, operation) {
        ("DynamoDB", "Query") => match input
            .downcast_ref::<QueryInput>()
            .and_then(|q| q.index_name())
        {
            None => on("dynamodb:Query", Resource::Table),
            Some("GSI1") => on("dynamodb:Query", Resource::Index),
            Some("GSI2") => on("dynamodb:Query", Resource::ChargeIndex),
            Some(other) => Err(format!("dynamodb:Query on index {other}")),
        },
        ("DynamoDB", "TransactWriteItems") => {
            let items = input
                .downcast_ref::<TransactWriteItemsInput>()
                .map(|t| t.transact_items())
                .unwrap_or_default();
            Ok(items
                .iter()
                .map(|item| {
                    let action = if item.put().is_some() {
                        "dynamodb:PutItem"
                    } else if item.update().is_some() {
                        "dynamodb:UpdateItem"
                    } else if item.delete().is_some() {
                        "dynamodb:DeleteItem"
                    } else {
                        "dynamodb:ConditionCheckItem"
                    };
                    (action.to_owned(), Resource::Table)
                })
                .collect())
        }
        ("DynamoDB", "TransactGetItems") => on("dynamodb:GetItem", Resource::Table),
        (
            "DynamoDB",
            op @ ("GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "BatchGetItem"
            | "BatchWriteItem"),
        ) => on(&format!("dynamodb:{op}"), Resource::Table),
        ("ApiGatewayManagementApi", "PostToConnection") => {
            on("execute-api:ManageConnections", Resource::Connections)
        }
        // The widget's frame page, read from the hosting bucket; nothing else there is read.
        ("S3", "GetObject") if get_key(input) == Some(crate::edge::FRAME_FILE) => {
            on("s3:GetObject", Resource::WebFrame)
        }
        ("ApiGatewayManagementApi", "DeleteConnection") => {
            on("execute-api:ManageConnections", Resource::CloseConnections)
        }
        // Contacts' exports, apart from attachments: written, then linked (app::Privacy).
        ("S3", "GetObject") if get_key(input).is_some_and(is_export) => {
            on("s3:GetObject", Resource::Exports)
        }
        ("S3", "PutObject") if put_key(input).is_some_and(is_export) => {
            on("s3:PutObject", Resource::Exports)
        }
        // HeadObject is authorised as s3:GetObject. A presigned GET passes here too: presigning
        // runs the client's interceptors, and the link works only while the signer holds the grant.
        ("S3", "GetObject" | "HeadObject") => on("s3:GetObject", Resource::Attachments),
        ("S3", "PutObject") if put_key(input).is_some_and(|key| key.ends_with(PREVIEW_SUFFIX)) => {
            on("s3:PutObject", Resource::Previews)
        }
        ("S3", "PutObject") => on("s3:PutObject", Resource::Attachments),
        // Each key of a DeleteObjects is authorised as s3:DeleteObject.
        ("S3", "DeleteObjects") => on("s3:DeleteObject", Resource::Attachments),
        // A copy reads its source and writes its target (S3's "CopyObject" permissions).
        ("S3", "CopyObject") => {
            let target = match copy_key(input) {
                Some(key) if key.ends_with(crate::domain::SEALED_SUFFIX) => Resource::Sealed,
                _ => Resource::Attachments,
            };
            Ok(vec![
                ("s3:GetObject".to_owned(), Resource::Attachments),
                ("s3:PutObject".to_owned(), target),
            ])
        }
        (service, operation) => Err(format!("{service}:{operation}")),
    }
}

fn is_export(key: &str) -> bool {
    key.starts_with(crate::app::EXPORTS_PREFIX)
}

/// How a preview's key ends (`domain::preview_key`): the only objects the message function writes.
const PREVIEW_SUFFIX: &str = ".preview.jpg";

#[cfg(feature = "attachments")]
fn put_key(input: &Input) -> Option<&str> {
    input
        .downcast_ref::<aws_sdk_s3::operation::put_object::PutObjectInput>()
        .and_then(|put| put.key())
}

/// Without attachments nothing puts an object.
#[cfg(not(feature = "attachments"))]
fn put_key(_: &Input) -> Option<&str> {
    None
}

#[cfg(feature = "attachments")]
fn get_key(input: &Input) -> Option<&str> {
    input
        .downcast_ref::<aws_sdk_s3::operation::get_object::GetObjectInput>()
        .and_then(|get| get.key())
}

/// Without attachments nothing reads an object.
#[cfg(not(feature = "attachments"))]
fn get_key(_: &Input) -> Option<&str> {
    None
}

#[cfg(feature = "attachments")]
fn copy_key(input: &Input) -> Option<&str> {
    input
        .downcast_ref::<aws_sdk_s3::operation::copy_object::CopyObjectInput>()
        .and_then(|copy| copy.key())
}

/// Without attachments nothing copies an object.
#[cfg(not(feature = "attachments"))]
fn copy_key(_: &Input) -> Option<&str> {
    None
}

impl Intercept for AwsCalls {
    fn name(&self) -> &'static str {
        "ParlorAwsCalls"
    }

    /// Not `read_before_execution`: a client's interceptors run that before the operation's
    /// configuration, which names the operation, is in the bag.
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let Some(function) = Function::current() else {
            return Ok(());
        };
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Ok(());
        };
        let found = needed(metadata.service(), metadata.name(), context.input());
        let mut seen = self.lock();
        match found {
            Ok(grants) => seen.needed.entry(function).or_default().extend(grants),
            Err(unknown) => {
                seen.unknown.insert(format!("{function:?}: {unknown}"));
            }
        }
        Ok(())
    }
}
