//! What Parlor deploys to AWS and what each deployed function may do there: the IAM grants of
//! `infra/template.yaml`, kept here as data.
//!
//! `tests/tests/template.rs` holds the template's policies to [`PERMISSIONS`], and [`PERMISSIONS`]
//! to the AWS calls each function's handlers really make (recorded against DynamoDB Local by
//! `adapters::calls`): a grant no code uses fails the test, and so does a call no grant covers.
//! Every handler runs inside its function's [`Function::scope`], which is how those calls are told
//! apart when every function runs in one process.

use crate::protocol::Route;
use std::future::Future;

/// One deployed Lambda function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    /// The function of one WebSocket route.
    WebSocket(Route),
    /// The HTTP API's function.
    HttpApi,
}

tokio::task_local! {
    static CURRENT: Function;
}

impl Function {
    /// One function per WebSocket route, and the HTTP API's.
    pub const ALL: [Function; Route::ALL.len() + 1] = {
        let mut all = [Self::HttpApi; Route::ALL.len() + 1];
        let mut i = 0;
        while i < Route::ALL.len() {
            all[i] = Self::WebSocket(Route::ALL[i]);
            i += 1;
        }
        all
    };

    /// Its folder under `functions/`, which is also the end of its crate's name.
    pub fn crate_dir(self) -> &'static str {
        match self {
            Self::WebSocket(Route::Connect) => "connect",
            Self::WebSocket(Route::Disconnect) => "disconnect",
            Self::WebSocket(Route::Default) => "default",
            Self::WebSocket(Route::Message) => "message",
            Self::WebSocket(Route::Assign) => "assign",
            Self::WebSocket(Route::Close) => "close",
            Self::HttpApi => "http-api",
        }
    }

    /// Its binary, `parlor-fn-{crate_dir}`, which `sam build` turns into `bootstrap`.
    pub fn binary(self) -> String {
        format!("parlor-fn-{}", self.crate_dir())
    }

    /// Its resource in `infra/template.yaml`.
    pub fn logical_id(self) -> &'static str {
        match self {
            Self::WebSocket(Route::Connect) => "ConnectFunction",
            Self::WebSocket(Route::Disconnect) => "DisconnectFunction",
            Self::WebSocket(Route::Default) => "DefaultFunction",
            Self::WebSocket(Route::Message) => "MessageFunction",
            Self::WebSocket(Route::Assign) => "AssignFunction",
            Self::WebSocket(Route::Close) => "CloseFunction",
            Self::HttpApi => "HttpApiFunction",
        }
    }

    /// Runs `work` as this function: what it calls in AWS is this function's to be granted.
    pub fn scope<F: Future>(self, work: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self, work)
    }

    /// The function whose work is running on this task, if any.
    pub fn current() -> Option<Function> {
        CURRENT.try_with(|f| *f).ok()
    }

    /// Its row of [`PERMISSIONS`].
    pub fn permissions(self) -> &'static Permissions {
        PERMISSIONS
            .iter()
            .find(|p| p.function == self)
            .expect("every function has its row")
    }
}

/// What a grant is on; each is one statement (its `Sid`) in a function's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// The DynamoDB table.
    Table,
    /// The table's one index, `GSI1`.
    Index,
    /// The table's second index, `GSI2`: the dialogs each operator is in charge of.
    ChargeIndex,
    /// `POST @connections/*` on this API's stage: the Management API.
    Connections,
    /// `DELETE @connections/*` on this API's stage: closing sockets whose sessions ended.
    CloseConnections,
    /// The SSM SecureString parameter that holds the token-signing key.
    SigningKey,
    /// The SSM SecureString parameter that holds the Web Push (VAPID) private key.
    VapidKey,
    /// The attachments bucket's objects (`a/*`): uploads, and reading them back.
    Attachments,
    /// Image previews beside them (`a/*.preview.jpg`): what the message function writes.
    Previews,
    /// Checked files' sealed copies (`a/*.sealed`): the message function writes them too.
    Sealed,
}

impl Resource {
    /// The `Sid` of its statement in the template.
    pub fn sid(self) -> &'static str {
        match self {
            Self::Table => "Table",
            Self::Index => "Index",
            Self::ChargeIndex => "ChargeIndex",
            Self::Connections => "Connections",
            Self::CloseConnections => "CloseConnections",
            Self::SigningKey => "SigningKey",
            Self::VapidKey => "VapidKey",
            Self::Attachments => "Attachments",
            Self::Previews => "Previews",
            Self::Sealed => "Sealed",
        }
    }
}

/// One IAM action on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    pub action: &'static str,
    pub on: Resource,
}

/// One function's grants.
#[derive(Debug)]
pub struct Permissions {
    pub function: Function,
    /// What its code calls, in sets that functions share.
    pub grants: &'static [&'static [Grant]],
    /// Held for a feature that the template provisions and no code calls yet (the template test
    /// checks that none does); they move to `grants` when the code lands.
    pub reserved: &'static [Grant],
}

impl Permissions {
    /// What its code calls.
    pub fn called(&self) -> impl Iterator<Item = &'static Grant> {
        self.grants.iter().flat_map(|set| set.iter())
    }

    /// Everything the template grants the function.
    pub fn all(&self) -> impl Iterator<Item = &'static Grant> {
        self.called().chain(self.reserved)
    }
}

const fn table(action: &'static str) -> Grant {
    Grant {
        action,
        on: Resource::Table,
    }
}

/// Every list but the message history and the operators reads `GSI1` (docs/data-model.md).
const QUERY_INDEX: Grant = Grant {
    action: "dynamodb:Query",
    on: Resource::Index,
};
/// Pushes: `PostToConnection`.
const PUSH: Grant = Grant {
    action: "execute-api:ManageConnections",
    on: Resource::Connections,
};
/// An operator's lifecycle (`app::Team`): a change that takes an admin away is written with a
/// check that another admin still is one, and so is a new operator's email (its old-style
/// pointer); deactivating reads the dialogs they were in charge of and closes their sockets.
const TEAM: &[Grant] = &[
    table("dynamodb:ConditionCheckItem"),
    Grant {
        action: "dynamodb:Query",
        on: Resource::ChargeIndex,
    },
    Grant {
        action: "execute-api:ManageConnections",
        on: Resource::CloseConnections,
    },
];

/// Read once at cold start by `lambda::app_from_env`, in every function.
const SIGNING_KEY: Grant = Grant {
    action: "ssm:GetParameter",
    on: Resource::SigningKey,
};

/// Read once at cold start by `lambda::app_from_env`, in the functions that push to operators'
/// browsers or serve the key they subscribe with.
const VAPID_KEY: Grant = Grant {
    action: "ssm:GetParameter",
    on: Resource::VapidKey,
};

/// Whatever a dialog's messages and lists need: commits (a new dialog's also updates the visitor),
/// receipts, read markers (batched for a list), history, recipients.
const DIALOG_WORK: &[Grant] = &[
    table("dynamodb:BatchGetItem"),
    // The search index, written after a message or a visitor's profile.
    table("dynamodb:BatchWriteItem"),
    table("dynamodb:DeleteItem"),
    table("dynamodb:GetItem"),
    table("dynamodb:PutItem"),
    table("dynamodb:Query"),
    table("dynamodb:UpdateItem"),
    QUERY_INDEX,
    PUSH,
    SIGNING_KEY,
    VAPID_KEY,
];

/// A dialog's transitions: its commit (puts only: it never creates one) and its audience.
const TRANSITIONS: &[Grant] = &[
    table("dynamodb:DeleteItem"),
    table("dynamodb:GetItem"),
    table("dynamodb:PutItem"),
    QUERY_INDEX,
    PUSH,
    SIGNING_KEY,
];

/// A transfer pushes to the operator it went to when no console of theirs is open: their push
/// subscriptions are one Query (and a gone one is deleted, which `TRANSITIONS` grants).
const PUSH_TO_BROWSERS: &[Grant] = &[table("dynamodb:Query"), VAPID_KEY];

/// Before a message carries a file: the upload copied to its sealed key (`s3:GetObject` on the
/// upload, `s3:PutObject` on the copy), HEAD and the first bytes of the copy, then an image's
/// preview written beside it. Nothing else in the bucket is writable here.
const CHECK_UPLOADS: &[Grant] = &[
    Grant {
        action: "s3:GetObject",
        on: Resource::Attachments,
    },
    Grant {
        action: "s3:PutObject",
        on: Resource::Previews,
    },
    Grant {
        action: "s3:PutObject",
        on: Resource::Sealed,
    },
];

/// Presigning: a browser's upload is authorized as `s3:PutObject` by the role that signed its
/// policy, and a download link as `s3:GetObject`.
const PRESIGN: &[Grant] = &[
    Grant {
        action: "s3:GetObject",
        on: Resource::Attachments,
    },
    Grant {
        action: "s3:PutObject",
        on: Resource::Attachments,
    },
];

/// What each function may do, and nothing more. A transaction needs no action of its own: each of
/// its items needs the action it performs (`PutItem`, `UpdateItem`, …). A push that finds its
/// connection gone deletes that connection's record, so every function that pushes deletes.
pub const PERMISSIONS: &[Permissions] = &[
    Permissions {
        // Takes the one-time ticket, reads the operator or the visitor and the site, stores the connection.
        function: Function::WebSocket(Route::Connect),
        grants: &[&[
            table("dynamodb:DeleteItem"),
            table("dynamodb:GetItem"),
            table("dynamodb:PutItem"),
            SIGNING_KEY,
        ]],
        reserved: &[],
    },
    Permissions {
        function: Function::WebSocket(Route::Disconnect),
        grants: &[&[table("dynamodb:DeleteItem"), SIGNING_KEY]],
        reserved: &[],
    },
    Permissions {
        // Answers its sender with an error frame.
        function: Function::WebSocket(Route::Default),
        grants: &[&[table("dynamodb:DeleteItem"), PUSH, SIGNING_KEY]],
        reserved: &[],
    },
    // Send (with files), whisper, typing, read, mark unread.
    Permissions {
        function: Function::WebSocket(Route::Message),
        grants: &[DIALOG_WORK, CHECK_UPLOADS],
        reserved: &[],
    },
    // Join, leave, transfer.
    Permissions {
        function: Function::WebSocket(Route::Assign),
        grants: &[TRANSITIONS, PUSH_TO_BROWSERS],
        reserved: &[],
    },
    // Close, reopen.
    Permissions {
        function: Function::WebSocket(Route::Close),
        grants: &[TRANSITIONS],
        reserved: &[],
    },
    Permissions {
        // Login, tickets, operators and their lifecycle, status (pushed to the other consoles),
        // lists, history, visitors, upload grants and links to files.
        function: Function::HttpApi,
        grants: &[DIALOG_WORK, PRESIGN, TEAM],
        reserved: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_one_row_without_repeats() {
        for f in Function::ALL {
            assert_eq!(
                PERMISSIONS.iter().filter(|p| p.function == f).count(),
                1,
                "{f:?}"
            );
            let all: Vec<&Grant> = f.permissions().all().collect();
            assert!(
                all.iter()
                    .enumerate()
                    .all(|(i, g)| !all[i + 1..].contains(g)),
                "{f:?} repeats a grant"
            );
            assert!(
                all.contains(&&SIGNING_KEY),
                "{f:?} reads the signing key at start"
            );
        }
        assert_eq!(PERMISSIONS.len(), Function::ALL.len());
    }

    #[tokio::test]
    async fn work_runs_as_its_function_and_only_inside_the_scope() {
        assert_eq!(Function::current(), None);
        let inside = Function::HttpApi.scope(async { Function::current() }).await;
        assert_eq!(inside, Some(Function::HttpApi));
        assert_eq!(Function::current(), None);
    }
}
