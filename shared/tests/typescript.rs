//! The console and the widget type the wire with `web/protocol/protocol.ts`, generated here from the
//! Rust types, and check what they send with the server's rules (limits, file rules, which errors a
//! retry may cure), generated here from the Rust constants, so that neither side can drift. Beside it,
//! `web/protocol/origin-examples.ts` holds what the server makes of sample origins, for the console's
//! origin parser to be tested against. The test fails when a checked-in file is stale;
//! `PARLOR_UPDATE_TS=1` rewrites them.
//!
//! ts-rs's own export writes one file per `export_to` and merges into it through the filesystem;
//! building the module in memory instead keeps it deterministic and lets the test compare it.

use parlor_core::app::{
    DialogPage, HistoryPage, LoggedIn, NewQuickReply, QuickReplyList, QuickReplyView,
    SearchResults, VisitorCard, VisitorSession, VisitorSessionRequest,
};
use parlor_core::domain;
use parlor_core::domain as attachment;
use parlor_core::domain::{
    DeliveryStatus, DialogStatus, ErrorCode, LastMessage, MessageKind, OperatorStatus, Participant,
    Receipt, Role, Side, SystemEvent, VisitorSource,
};
use parlor_core::ids::{
    ClientMessageId, DialogId, MessageId, OperatorId, QuickReplyId, SiteKey, VisitorId,
};
use parlor_core::protocol::{
    AssignOp, ClientAction, ClientFrame, CloseOp, DialogView, MessageOp, MessageView, OperatorView,
    PROTOCOL_VERSION, ServerEvent,
};
use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use ts_rs::{Config, TS, TypeVisitor};

const FILE: &str = "protocol.ts";
const ORIGIN_EXAMPLES_FILE: &str = "origin-examples.ts";
const UPDATE_VAR: &str = "PARLOR_UPDATE_TS";
const REGENERATE: &str = "PARLOR_UPDATE_TS=1 cargo test -p parlor-core --test typescript";

fn checked_in_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../web/protocol")
        .join(file)
}

/// Collects the declaration of every type it visits and, transitively, of everything those refer
/// to, so a type used on the wire cannot be left out of the module by forgetting to list it.
struct Module<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    /// By TypeScript name: sorting by name keeps the output stable whatever the visiting order.
    declarations: BTreeMap<String, String>,
    /// Types that ts-rs would put in another file: they would need an import, which this
    /// single-file module cannot have.
    elsewhere: Vec<String>,
}

impl TypeVisitor for Module<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and std containers have no output path: they are inlined where used.
        let Some(path) = T::output_path() else { return };
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let name = T::ident(self.cfg);
        if path != Path::new(FILE) {
            self.elsewhere
                .push(format!("{name} (exported to {})", path.display()));
        }
        let declaration = format!(
            "{}export {}",
            T::docs().unwrap_or_default(),
            T::decl(self.cfg)
        );
        if let Some(previous) = self.declarations.insert(name.clone(), declaration) {
            panic!(
                "two Rust types are both called {name} in TypeScript; the first was:\n{previous}"
            );
        }
        T::visit_dependencies(self);
    }
}

/// Visits each listed type, after checking that it is a wire type meant for `protocol.ts`.
macro_rules! wire_types {
    ($module:expr; $($ty:ty),+ $(,)?) => {
        $(
            assert_eq!(
                <$ty as TS>::output_path().as_deref(),
                Some(Path::new(FILE)),
                "{} must derive TS with #[ts(export_to = \"{FILE}\")]",
                stringify!($ty),
            );
            $module.visit::<$ty>();
        )+
    };
}

/// The whole `protocol.ts`, as it must be checked in.
fn generate() -> String {
    let cfg = Config::new();
    let mut module = Module {
        cfg: &cfg,
        seen: HashSet::new(),
        declarations: BTreeMap::new(),
        elsewhere: Vec::new(),
    };
    wire_types!(module;
        // WebSocket frames, both ways, and what they carry.
        ClientFrame, ClientAction, MessageOp, AssignOp, CloseOp,
        ServerEvent, MessageView, DialogView, OperatorView,
        MessageKind, SystemEvent, DeliveryStatus, Side, Receipt, ErrorCode,
        DialogStatus, Participant, LastMessage, Role, OperatorStatus, VisitorSource,
        // HTTP bodies.
        HistoryPage, DialogPage, LoggedIn, VisitorSession, VisitorSessionRequest,
        parlor_core::protocol::TicketView, parlor_core::protocol::OperatorList, parlor_core::protocol::Health,
        QuickReplyList, QuickReplyView, NewQuickReply, VisitorCard, SearchResults,
        parlor_core::app::DeletedDialogs,
        // Ids that travel on the wire. ConnectionId never leaves the server; a WorkspaceId only to
        // someone who signed in with an address several workspaces have (`choose_workspace`).
        DialogId, MessageId, ClientMessageId, OperatorId, VisitorId, SiteKey, QuickReplyId,
        parlor_core::ids::WorkspaceId, parlor_core::protocol::WorkspaceChoice,
        // The widget's per-site settings.
        parlor_core::domain::SiteView, parlor_core::domain::SiteSettings,
        // What admins list and change of their sites.
        parlor_core::app::SiteList, parlor_core::app::SiteUpdate,
        // Attachments: the file a client describes, the grant, links, the dialog's panel, limits.
        parlor_core::domain::Attachment, parlor_core::domain::AttachmentKind, parlor_core::domain::AttachmentLimits,
        parlor_core::domain::FileDescription, parlor_core::ids::AttachmentId,
        parlor_core::protocol::UploadGrant, parlor_core::protocol::AttachmentLinks, parlor_core::protocol::DialogAttachment,
        parlor_core::app::DialogAttachments, parlor_core::app::MessageAttachments,
        // Web Push: the server's key and an operator's choices, a browser's subscription, and
        // what a push carries to the console's service worker.
        parlor_core::app::PushSettings, parlor_core::domain::PushChoices,
        parlor_core::app::NewPushSubscription, parlor_core::app::PushKeys, parlor_core::app::PushPayload,
        // Groups and the rights they carry.
        parlor_core::domain::Right, parlor_core::ids::GroupId, parlor_core::protocol::GroupView,
        parlor_core::protocol::GroupList, parlor_core::app::GroupChange, parlor_core::app::Membership,
        // Reports, the live board and the operator card.
        parlor_core::app::Report, parlor_core::app::LiveBoard, parlor_core::app::OperatorCard,
        parlor_core::domain::Figures,
        // Contacts: the card, its edits, an unpin, custom fields, channels, a site's identity secret.
        parlor_core::app::ContactCard, parlor_core::app::ContactEdit, parlor_core::app::ContactFields,
        parlor_core::app::Unpinned, parlor_core::app::TagView, parlor_core::app::TagList,
        parlor_core::app::TagEdit, parlor_core::app::ContactTags,
        parlor_core::app::Unpinned, parlor_core::app::ContactMatches, parlor_core::app::MergeRequest,
        parlor_core::app::Unpinned,
        parlor_core::app::ContactExport,
        parlor_core::app::ErasedContact,
        parlor_core::protocol::ContactView, parlor_core::protocol::ChannelView,
        parlor_core::protocol::ChannelKind, parlor_core::protocol::ChannelList,
        parlor_core::protocol::IdentitySecret, parlor_core::ids::ContactId,
        parlor_core::domain::FieldDefinition, parlor_core::domain::SiteUser, parlor_core::domain::Claim,
    );
    assert!(
        module.elsewhere.is_empty(),
        "these would need imports from other files: {:?}",
        module.elsewhere
    );

    let mut out = String::new();
    out.push_str("// generated from the Rust types by `cargo test -p parlor-core --test typescript`; do not edit.\n");
    out.push_str(&format!(
        "// To regenerate after changing them: {REGENERATE}\n\n"
    ));
    out.push_str("/** Sent as `v` in the WebSocket URL (`?v=1`); the server refuses versions it does not speak. */\n");
    out.push_str(&format!(
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n"
    ));
    // The server's file rules, so a client refuses a file before uploading it for the same reasons.
    let list = |items: &[&str]| serde_json::to_string(items).expect("strings serialize");
    out.push_str("\n/** Types shown inline, with a preview; any other type is a file. */\n");
    out.push_str(&format!(
        "export const IMAGE_TYPES: readonly string[] = {};\n",
        list(&attachment::IMAGE_TYPES)
    ));
    out.push_str("/** Extensions of files that run when opened: refused whatever their type. */\n");
    out.push_str(&format!(
        "export const BLOCKED_EXTENSIONS: readonly string[] = {};\n",
        list(attachment::BLOCKED_EXTENSIONS)
    ));
    out.push_str("/** Types a browser would run or render as a page: refused. */\n");
    out.push_str(&format!(
        "export const BLOCKED_TYPES: readonly string[] = {};\n",
        list(attachment::BLOCKED_TYPES)
    ));
    out.push_str("/** At most this many files go with one message. */\n");
    out.push_str(&format!(
        "export const MAX_ATTACHMENTS_PER_MESSAGE = {};\n",
        attachment::MAX_ATTACHMENTS_PER_MESSAGE
    ));
    out.push_str(&rules());
    for declaration in module.declarations.values() {
        out.push('\n');
        out.push_str(declaration.trim_end());
        out.push('\n');
    }
    out
}

/// The server's other limits and rules a client checks before it asks, so that it refuses sooner,
/// in place, for the same reasons and at the same numbers as the server.
fn rules() -> String {
    let mut out = String::new();
    let mut constant = |doc: &str, name: &str, value: String| {
        out.push_str(&format!("/** {doc} */\nexport const {name} = {value};\n"))
    };
    constant(
        "At most this many characters in a message, counted as the server counts them: code points, not UTF-16 units.",
        "MAX_TEXT_CHARS",
        domain::MAX_TEXT_CHARS.to_string(),
    );
    constant(
        "The longest period one report covers, in days (both ends included).",
        "MAX_REPORT_DAYS",
        parlor_core::app::MAX_REPORT_DAYS.to_string(),
    );
    constant(
        "The longest greeting a site's widget may show.",
        "MAX_GREETING_CHARS",
        domain::MAX_GREETING_CHARS.to_string(),
    );
    constant(
        "The most origins one site may list.",
        "MAX_ALLOWED_ORIGINS",
        domain::MAX_ALLOWED_ORIGINS.to_string(),
    );
    let schemes: Vec<String> = domain::ORIGIN_SCHEMES
        .iter()
        .map(|(scheme, port)| {
            format!(
                "{}: {port}",
                serde_json::to_string(scheme).expect("strings serialize")
            )
        })
        .collect();
    constant(
        "The schemes an allowed origin may have, in this order, each with the port it means when none is given.",
        "ORIGIN_SCHEMES: Readonly<Record<string, number>>",
        format!("{{ {} }}", schemes.join(", ")),
    );
    constant(
        "The shortest password an operator may have, not counting spaces.",
        "MIN_PASSWORD_CHARS",
        domain::MIN_PASSWORD_CHARS.to_string(),
    );
    constant(
        "The longest password an operator may have.",
        "MAX_PASSWORD_CHARS",
        domain::MAX_PASSWORD_CHARS.to_string(),
    );
    constant(
        "The longest email address an operator may have.",
        "MAX_EMAIL_CHARS",
        domain::MAX_EMAIL_CHARS.to_string(),
    );
    constant(
        "The longest search query the server takes (`GET /api/search` answers 400 over it).",
        "MAX_QUERY_CHARS",
        domain::MAX_QUERY_CHARS.to_string(),
    );
    constant(
        "A query finds nothing without a word of at least this many letters or digits.",
        "MIN_TERM_CHARS",
        domain::MIN_TERM_CHARS.to_string(),
    );
    constant(
        "The largest size limit, in bytes, an admin may set for images or for other files.",
        "MAX_LIMIT_BYTES",
        domain::MAX_LIMIT_BYTES.to_string(),
    );
    constant(
        "The longest name a group of operators may have.",
        "MAX_GROUP_NAME_CHARS",
        domain::MAX_GROUP_NAME_CHARS.to_string(),
    );
    constant(
        "Every right a group may carry, in the order the console lists them.",
        "RIGHTS: readonly Right[]",
        serde_json::to_string(&domain::Right::ALL).expect("rights serialize"),
    );
    let retryable: Vec<&str> = error_codes()
        .into_iter()
        .filter(|(_, code)| code.retryable())
        .map(|(name, _)| name)
        .collect();
    constant(
        "Refusals that sending the same request again (same ids) may cure; any other comes back the same.",
        "RETRYABLE_ERROR_CODES: readonly ErrorCode[]",
        serde_json::to_string(&retryable).expect("strings serialize"),
    );
    out
}

/// Every error code with its wire name, asked of `ErrorCode`'s own `Deserialize`: given a name it
/// does not know, it lists the ones it does, so a code added later cannot be left out here.
fn error_codes() -> Vec<(&'static str, ErrorCode)> {
    let names = parlor_core::protocol::variant_names::<ErrorCode>(None);
    assert!(!names.is_empty(), "ErrorCode's Deserialize named no codes");
    let code = |name: &str| {
        serde_json::from_value(serde_json::Value::from(name)).expect("each listed name reads back")
    };
    names.iter().map(|name| (*name, code(name))).collect()
}

/// Lines an admin might type as allowed origins: good ones, each part of the rule broken once, and
/// the edges between. What the server keeps of each, or that it refuses it, goes to
/// `origin-examples.ts`, and the console's parser must come to the same on every one.
const ORIGIN_EXAMPLES: &[&str] = &[
    "https://shop.example",
    " HTTPS://Shop.Example/ ",
    "http://localhost:8080",
    "http://localhost:80",
    "https://a.example:443",
    "https://a.example:443/",
    "http://a.example:443",
    "https://a.example:80",
    "http://[::1]:3000",
    "http://[::1]",
    "https://[::1]:443",
    "http://[::ABCD]:8080",
    "http://127.0.0.1:8080",
    "https://xn--80akhbyknj4f.example",
    "https://a-b.example:65535",
    "https://a1.b2.example",
    "shop.example",
    "ftp://shop.example",
    "javascript://x",
    "1https://shop.example",
    "https:/shop.example",
    "https://",
    "https:///",
    "https://shop.example/path",
    "https://shop.example//",
    "https://shop.example?q=1",
    "https://shop.example#top",
    "https://user@shop.example",
    "https://user:pw@shop.example",
    "https://shop.example:0",
    "https://shop.example:080",
    "https://shop.example:65536",
    "https://shop.example:70000",
    "https://shop.example:",
    "https://shop.example:8o",
    "https://shop.example:+80",
    "https://shop.example:+443",
    "https://shop..example",
    "https://shop.example.",
    "https://.shop.example",
    "https://-shop.example",
    "https://shop-.example",
    "https://shop_1.example",
    "https://shop.example; script-src *",
    "https://shop example",
    "https://магазин.example",
    "https://[]",
    "https://[::g]",
    "https://[::1]x",
    "https://a:b:c",
    "*",
];

/// `origin-examples.ts`, as it must be checked in.
fn generate_origin_examples() -> String {
    let mut out = String::new();
    out.push_str("// generated from the server's origin parser by `cargo test -p parlor-core --test typescript`; do not edit.\n");
    out.push_str(&format!(
        "// To regenerate after changing it: {REGENERATE}\n\n"
    ));
    out.push_str("/** Lines an admin might type as allowed origins, each with the origin the server keeps of it, or null when it refuses it. */\n");
    out.push_str(
        "export const ORIGIN_EXAMPLES: ReadonlyArray<readonly [string, string | null]> = [\n",
    );
    for raw in ORIGIN_EXAMPLES {
        let kept = domain::parse_allowed_origins(&[(*raw).to_owned()])
            .ok()
            .map(|mut kept| kept.remove(0));
        let (raw, kept) = (serde_json::to_string(raw), serde_json::to_string(&kept));
        out.push_str(&format!(
            "  [{}, {}],\n",
            raw.expect("strings serialize"),
            kept.expect("strings serialize")
        ));
    }
    out.push_str("];\n");
    out
}

/// The first line where two texts differ, to point at what changed.
fn first_difference(generated: &str, checked_in: &str) -> String {
    let (mut generated, mut checked_in) = (generated.lines(), checked_in.lines());
    for number in 1.. {
        match (generated.next(), checked_in.next()) {
            (None, None) => break,
            (g, c) if g == c => continue,
            (g, c) => {
                let (g, c) = (g.unwrap_or("<end of file>"), c.unwrap_or("<end of file>"));
                return format!("line {number}:\n  generated:   {g}\n  checked in:  {c}");
            }
        }
    }
    "the line endings".into()
}

/// Rewrites `file` with `PARLOR_UPDATE_TS=1`; otherwise fails unless it holds exactly `generated`.
fn check_in(file: &str, generated: &str, from: &str) {
    let path = checked_in_path(file);
    if std::env::var(UPDATE_VAR).as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().expect("the path has a folder"))
            .expect("web/protocol/ can be created");
        std::fs::write(&path, generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "web/protocol/{file} is stale (or was edited by hand): it differs from what {from} generate.\n\
         Regenerate it with\n\n    {REGENERATE}\n\n\
         and commit the result. First difference at {}",
        first_difference(generated, &checked_in),
    );
}

#[test]
fn the_checked_in_typescript_matches_the_rust_types() {
    check_in(FILE, &generate(), "the Rust wire types and rules");
}

#[test]
fn the_checked_in_origin_examples_match_the_servers_parser() {
    check_in(
        ORIGIN_EXAMPLES_FILE,
        &generate_origin_examples(),
        "the server's origin parser's verdicts",
    );
}

#[test]
fn the_rules_clients_check_come_from_the_rust_constants() {
    let generated = generate();
    for (name, value) in [
        ("MAX_TEXT_CHARS", domain::MAX_TEXT_CHARS as u64),
        ("MAX_GREETING_CHARS", domain::MAX_GREETING_CHARS as u64),
        ("MAX_ALLOWED_ORIGINS", domain::MAX_ALLOWED_ORIGINS as u64),
        ("MAX_QUERY_CHARS", domain::MAX_QUERY_CHARS as u64),
        ("MIN_TERM_CHARS", domain::MIN_TERM_CHARS as u64),
        ("MAX_LIMIT_BYTES", domain::MAX_LIMIT_BYTES),
        (
            "MAX_ATTACHMENTS_PER_MESSAGE",
            domain::MAX_ATTACHMENTS_PER_MESSAGE as u64,
        ),
    ] {
        assert!(
            generated.contains(&format!("export const {name} = {value};\n")),
            "protocol.ts lacks {name} = {value}"
        );
    }
    assert!(generated.contains(r#"export const ORIGIN_SCHEMES: Readonly<Record<string, number>> = { "http": 80, "https": 443 };"#));
    assert!(generated.contains(
        r#"export const RETRYABLE_ERROR_CODES: readonly ErrorCode[] = ["conflict","rate_limited","internal"];"#
    ));
}

#[test]
fn every_error_code_is_asked_whether_a_retry_may_cure_it() {
    // The names come from serde; the TypeScript union from ts-rs: both must list the same codes.
    let union = ErrorCode::decl(&Config::new());
    let names: Vec<&str> = error_codes().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names.len(),
        union.matches('"').count() / 2,
        "{names:?} against {union}"
    );
    for name in names {
        assert!(
            union.contains(&format!("\"{name}\"")),
            "{name} is not in {union}"
        );
    }
}

#[test]
fn every_number_is_a_json_number() {
    // JSON.parse yields `number`, never `bigint`: a u64 or i64 field without `#[ts(type = "number")]`
    // would type the console's values wrongly.
    let generated = generate();
    let offending: Vec<&str> = generated.lines().filter(|l| l.contains("bigint")).collect();
    assert!(
        offending.is_empty(),
        "add #[ts(type = \"number\")] to the fields behind: {offending:#?}"
    );
}

#[test]
fn the_module_stands_alone_and_declares_each_type_once() {
    let generated = generate();
    assert!(
        !generated.lines().any(|l| l.starts_with("import ")),
        "protocol.ts must not import other files"
    );
    for name in [
        "ClientFrame",
        "ServerEvent",
        "HistoryPage",
        "VisitorSessionRequest",
        "DialogId",
        "SystemEvent",
    ] {
        let declared = generated.matches(&format!("export type {name} =")).count();
        assert_eq!(declared, 1, "{name} is declared {declared} times");
    }
    assert!(generated.contains(&format!(
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};"
    )));
}
