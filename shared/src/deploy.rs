//! What Parlor deploys to AWS and what each deployed function may do there: the IAM grants of
//! `infra/template.yaml`, kept here as data, with the HTTP API's routes, the routes throttled on
//! their own, and each function's reserved-concurrency parameter.
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
    /// The presence sweep (`app::Presences::sweep`), run every minute by an EventBridge schedule.
    Sweep,
}

tokio::task_local! {
    static CURRENT: Function;
}

impl Function {
    /// One function per WebSocket route, the HTTP API's and the sweep's.
    pub const ALL: [Function; Route::ALL.len() + 2] = {
        let mut all = [Self::HttpApi; Route::ALL.len() + 2];
        let mut i = 0;
        while i < Route::ALL.len() {
            all[i] = Self::WebSocket(Route::ALL[i]);
            i += 1;
        }
        all[Route::ALL.len() + 1] = Self::Sweep;
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
            Self::Sweep => "sweep",
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
            Self::Sweep => "SweepFunction",
        }
    }

    /// Its template parameter of reserved concurrency, `{Name}ReservedConcurrency` (`-1`, the
    /// default, reserves none), and the condition that sets it, `Reserves{Name}`.
    pub fn reserved_concurrency(self) -> (String, String) {
        let name = self
            .logical_id()
            .strip_suffix("Function")
            .expect("every function's resource ends in Function");
        (
            format!("{name}ReservedConcurrency"),
            format!("Reserves{name}"),
        )
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
    /// The table's second index, `GSI2` (keys only): the dialogs each operator is in charge of,
    /// each workspace's queue, and every workspace's console watches by due time (its partition
    /// `CONSOLES`), which the sweep reads. The name is the index's first use, kept so that the template's `Sid` stays stable.
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
    /// The widget's frame page in the hosting bucket (`edge::FRAME_FILE`), which the HTTP API's
    /// function reads to serve it per site.
    WebFrame,
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
            Self::WebFrame => "WebFrame",
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
/// `GSI2`: the dialogs an operator is in charge of (handed back), and the due console watches.
const QUERY_CHARGE_INDEX: Grant = Grant {
    action: "dynamodb:Query",
    on: Resource::ChargeIndex,
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
    QUERY_CHARGE_INDEX,
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

/// Whatever a dialog's messages and lists need: commits (a new dialog's also updates the visitor
/// and lists it under its contact), receipts, read markers (batched for a list), history,
/// recipients; contacts (a visitor's first dialog makes theirs, a verified session joins one) and
/// their keys, claimed and released in one transaction (`PutItem`, `DeleteItem`).
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

/// A socket opening or closing: the ticket or the connection, the operator or the visitor, the
/// workspace (its grace), a console watch or a visitor's socket counter, the connection record, and
/// `operator.status` told to colleagues.
const CONSOLE_EVENTS: &[Grant] = &[
    table("dynamodb:DeleteItem"),
    table("dynamodb:GetItem"),
    table("dynamodb:PutItem"),
    table("dynamodb:UpdateItem"),
    QUERY_INDEX,
    PUSH,
    SIGNING_KEY,
];

/// Automatic distribution (`app::distribution`), where a change may give dialogs out or queue
/// them, reads beyond what a transition does: the operators' loads (a Query of the workspace's
/// partition) and the queue (GSI2); its dialogs are read one by one (GetItem, which every function
/// holds), to tell each visitor their place.
/// The assignment's commit moves a load with an UpdateItem in its transaction, which each row
/// below grants once, in whichever of its sets has it.
const DISTRIBUTE_READS: &[Grant] = &[table("dynamodb:Query"), QUERY_CHARGE_INDEX];

/// Adding to the reports' counters (`ports::ReportStore::add_figures`) is one UpdateItem.
const RECORD_FIGURES: &[Grant] = &[table("dynamodb:UpdateItem")];

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

/// Deleting dialogs deletes their files, previews and sealed copies (`DeleteObjects`, authorised
/// per key as `s3:DeleteObject`).
const DELETE_FILES: &[Grant] = &[Grant {
    action: "s3:DeleteObject",
    on: Resource::Attachments,
}];

/// The widget's frame page, read from the hosting bucket each time it is served.
const READ_FRAME: &[Grant] = &[Grant {
    action: "s3:GetObject",
    on: Resource::WebFrame,
}];

/// What each function may do, and nothing more. A transaction needs no action of its own: each of
/// its items needs the action it performs (`PutItem`, `UpdateItem`, …). A push that finds its
/// connection gone deletes that connection's record, so every function that pushes deletes.
pub const PERMISSIONS: &[Permissions] = &[
    Permissions {
        // Takes the one-time ticket, reads the operator or the visitor and the site, stores the
        // connection; a visitor's counts the sockets they opened (a limit's counter) and have open
        // (their connections in GSI1), and one too many is deleted again. An operator's reads
        // their other consoles (GSI1) and the workspace (its grace), moves their console watch
        // ahead and, for their first console, tells colleagues (`operator.status`).
        function: Function::WebSocket(Route::Connect),
        grants: &[CONSOLE_EVENTS, DISTRIBUTE_READS],
        reserved: &[],
    },
    Permissions {
        // Reads the connection and deletes it; an operator's last console reads their other
        // consoles (GSI1) and the workspace (its grace), sets their console watch due, counts the
        // time in the presence state they leave (the reports' counters) and tells colleagues
        // (`operator.status`).
        function: Function::WebSocket(Route::Disconnect),
        grants: &[CONSOLE_EVENTS],
        reserved: &[],
    },
    Permissions {
        // Answers its sender with an error frame; a sender gone meanwhile has its record read and
        // deleted. (Were it an operator's last console, presence hears of it at the sweep, within
        // 11 minutes and the grace: this function is granted nothing to tell it now.)
        function: Function::WebSocket(Route::Default),
        grants: &[&[
            table("dynamodb:DeleteItem"),
            table("dynamodb:GetItem"),
            PUSH,
            SIGNING_KEY,
        ]],
        reserved: &[],
    },
    // Send (with files), whisper, typing, read, mark unread.
    Permissions {
        function: Function::WebSocket(Route::Message),
        // DIALOG_WORK has the rest of DISTRIBUTE_READS. A dialog's first commit checks that
        // its contact was not merged into another meanwhile.
        grants: &[
            DIALOG_WORK,
            CHECK_UPLOADS,
            &[QUERY_CHARGE_INDEX, table("dynamodb:ConditionCheckItem")],
        ],
        reserved: &[],
    },
    // Join, leave, transfer, hold, resume; one that frees a slot gives the queue's head out.
    Permissions {
        function: Function::WebSocket(Route::Assign),
        // PUSH_TO_BROWSERS has DISTRIBUTE_READS' Query.
        grants: &[
            TRANSITIONS,
            PUSH_TO_BROWSERS,
            &[table("dynamodb:UpdateItem"), QUERY_CHARGE_INDEX],
        ],
        reserved: &[],
    },
    // Close, reopen; a close adds to the reports' counters and frees a slot for the queue.
    Permissions {
        function: Function::WebSocket(Route::Close),
        grants: &[TRANSITIONS, RECORD_FIGURES, DISTRIBUTE_READS],
        reserved: &[],
    },
    Permissions {
        // Login, tickets, operators and their lifecycle, status (pushed to the other consoles),
        // lists, history, visitors, upload grants and links to files, the widget's frame page,
        // deleting dialogs (their items, their terms and their files).
        function: Function::HttpApi,
        grants: &[DIALOG_WORK, PRESIGN, READ_FRAME, TEAM, DELETE_FILES],
        reserved: &[],
    },
    Permissions {
        // Every minute: the due console watches (GSI2's `CONSOLES`), each operator's connections
        // (GSI1); for one without a console, forgets its silent connection records, reads the
        // operator, hands their dialogs back (GSI2, each dialog's commit, told to the consoles and
        // the visitor's tabs) and deletes the watch; a console still heard of moves it ahead.
        //
        // Then the closed dialogs due for deletion (GSI2's `RETENTION`): each read, its messages
        // read back (their files), its partition queried and batch-deleted with its search terms,
        // the visitor's link removed, its files deleted; a stale mark deleted.
        function: Function::Sweep,
        grants: &[
            &[
                table("dynamodb:BatchWriteItem"),
                table("dynamodb:DeleteItem"),
                table("dynamodb:GetItem"),
                table("dynamodb:PutItem"),
                table("dynamodb:Query"),
                table("dynamodb:UpdateItem"),
                QUERY_INDEX,
                QUERY_CHARGE_INDEX,
                PUSH,
                SIGNING_KEY,
            ],
            DELETE_FILES,
        ],
        reserved: &[],
    },
];

/// The HTTP API's routes in the template, every one to the HTTP API's function. The router takes
/// any path under `/api`; the others are routes of their own so that they can be throttled on
/// their own ([`ROUTE_THROTTLES`]), and the frame page's so that CloudFront can send it there.
pub const HTTP_ROUTES: &[&str] = &[
    "ANY /api/{proxy+}",
    "POST /api/login",
    "POST /api/visitor/session",
    "GET /widget/frame.html",
];

/// Which API a route is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    WebSocket,
    Http,
}

/// A throttle of one route of its own, in its stage's `RouteSettings`: its burst and steady rate
/// are template parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteThrottle {
    pub api: Api,
    /// The route key as API Gateway names it.
    pub route: &'static str,
    pub burst_parameter: &'static str,
    pub rate_parameter: &'static str,
}

/// The routes anyone on the internet reaches with a site's public key: signing in, a visitor's
/// session and frame page, a socket, and what a visitor's socket sends. Each has a share of its
/// own, so that a flood of one cannot take the whole stage's rate from the others (the stage's
/// defaults bound the rest). These are shared by all callers of a route: what bounds one caller
/// is the store's counters and, in front of CloudFront, the web ACL's rates per IP.
pub const ROUTE_THROTTLES: &[RouteThrottle] = &[
    RouteThrottle {
        api: Api::WebSocket,
        route: "$connect",
        burst_parameter: "WebSocketConnectBurstLimit",
        rate_parameter: "WebSocketConnectRateLimit",
    },
    RouteThrottle {
        api: Api::WebSocket,
        route: "message",
        burst_parameter: "WebSocketMessageBurstLimit",
        rate_parameter: "WebSocketMessageRateLimit",
    },
    RouteThrottle {
        api: Api::WebSocket,
        route: "$default",
        burst_parameter: "WebSocketDefaultBurstLimit",
        rate_parameter: "WebSocketDefaultRateLimit",
    },
    RouteThrottle {
        api: Api::Http,
        route: "POST /api/login",
        burst_parameter: "HttpSignInBurstLimit",
        rate_parameter: "HttpSignInRateLimit",
    },
    RouteThrottle {
        api: Api::Http,
        route: "POST /api/visitor/session",
        burst_parameter: "HttpVisitorBurstLimit",
        rate_parameter: "HttpVisitorRateLimit",
    },
    RouteThrottle {
        api: Api::Http,
        route: "GET /widget/frame.html",
        burst_parameter: "HttpVisitorBurstLimit",
        rate_parameter: "HttpVisitorRateLimit",
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

    #[test]
    fn each_function_has_its_own_concurrency_parameter_and_condition() {
        assert_eq!(
            Function::HttpApi.reserved_concurrency(),
            (
                "HttpApiReservedConcurrency".to_owned(),
                "ReservesHttpApi".to_owned()
            )
        );
        let names: Vec<_> = Function::ALL
            .iter()
            .map(|f| f.reserved_concurrency())
            .collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(n), "{n:?} twice");
        }
    }

    #[test]
    fn every_throttled_route_is_a_route() {
        for t in ROUTE_THROTTLES {
            match t.api {
                Api::Http => assert!(HTTP_ROUTES.contains(&t.route), "{}", t.route),
                Api::WebSocket => {
                    assert!(Route::ALL.iter().any(|r| r.key() == t.route), "{}", t.route)
                }
            }
        }
        assert!(HTTP_ROUTES.contains(&format!("GET {}", crate::edge::FRAME_PATH).as_str()));
    }

    #[tokio::test]
    async fn work_runs_as_its_function_and_only_inside_the_scope() {
        assert_eq!(Function::current(), None);
        let inside = Function::HttpApi.scope(async { Function::current() }).await;
        assert_eq!(inside, Some(Function::HttpApi));
        assert_eq!(Function::current(), None);
    }
}
