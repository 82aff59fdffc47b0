//! The console and the widget type the wire with `web/protocol/protocol.ts`, generated here from the
//! Rust types so that neither side can drift. The test fails when the checked-in file is stale;
//! `PARLOR_UPDATE_TS=1` rewrites it.
//!
//! ts-rs's own export writes one file per `export_to` and merges into it through the filesystem;
//! building the module in memory instead keeps it deterministic and lets the test compare it.

use parlor_core::app::{
    DialogPage, HistoryPage, LoggedIn, NewQuickReply, QuickReplyList, QuickReplyView, SearchResults, VisitorCard, VisitorSession,
    VisitorSessionRequest,
};
use parlor_core::domain as attachment;
use parlor_core::domain::{
    DeliveryStatus, DialogStatus, ErrorCode, LastMessage, Message, MessageKind, OperatorStatus, Participant, Receipt,
    Role, Side, SystemEvent, VisitorSource,
};
use parlor_core::ids::{ClientMessageId, DialogId, MessageId, OperatorId, QuickReplyId, SiteKey, VisitorId};
use parlor_core::protocol::{
    AssignOp, ClientAction, ClientFrame, CloseOp, DialogView, MessageOp, MessageView, OperatorView, ServerEvent,
    PROTOCOL_VERSION,
};
use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use ts_rs::{Config, TypeVisitor, TS};

const FILE: &str = "protocol.ts";
const UPDATE_VAR: &str = "PARLOR_UPDATE_TS";
const REGENERATE: &str = "PARLOR_UPDATE_TS=1 cargo test -p parlor-core --test typescript";

fn checked_in_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/protocol").join(FILE)
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
            self.elsewhere.push(format!("{name} (exported to {})", path.display()));
        }
        let declaration = format!("{}export {}", T::docs().unwrap_or_default(), T::decl(self.cfg));
        if let Some(previous) = self.declarations.insert(name.clone(), declaration) {
            panic!("two Rust types are both called {name} in TypeScript; the first was:\n{previous}");
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
    let mut module = Module { cfg: &cfg, seen: HashSet::new(), declarations: BTreeMap::new(), elsewhere: Vec::new() };
    wire_types!(module;
        // WebSocket frames, both ways, and what they carry.
        ClientFrame, ClientAction, MessageOp, AssignOp, CloseOp,
        ServerEvent, MessageView, DialogView, OperatorView,
        Message, MessageKind, SystemEvent, DeliveryStatus, Side, Receipt, ErrorCode,
        DialogStatus, Participant, LastMessage, Role, OperatorStatus, VisitorSource,
        // HTTP bodies.
        HistoryPage, DialogPage, LoggedIn, VisitorSession, VisitorSessionRequest,
        QuickReplyList, QuickReplyView, NewQuickReply, VisitorCard, SearchResults,
        // Ids that travel on the wire. WorkspaceId and ConnectionId never leave the server.
        DialogId, MessageId, ClientMessageId, OperatorId, VisitorId, SiteKey, QuickReplyId,
        // The widget's per-site settings.
        parlor_core::domain::SiteView, parlor_core::domain::SiteSettings,
        // What admins list and change of their sites.
        parlor_core::app::SiteList, parlor_core::app::SiteUpdate,
        // Attachments: the file a client describes, the grant, links, the dialog's panel, limits.
        parlor_core::domain::Attachment, parlor_core::domain::AttachmentKind, parlor_core::domain::AttachmentLimits,
        parlor_core::domain::FileDescription, parlor_core::ids::AttachmentId,
        parlor_core::protocol::UploadGrant, parlor_core::protocol::AttachmentLinks, parlor_core::protocol::DialogAttachment,
        parlor_core::app::DialogAttachments, parlor_core::app::MessageAttachments,
    );
    assert!(module.elsewhere.is_empty(), "these would need imports from other files: {:?}", module.elsewhere);

    let mut out = String::new();
    out.push_str("// generated from the Rust types by `cargo test -p parlor-core --test typescript`; do not edit.\n");
    out.push_str(&format!("// To regenerate after changing them: {REGENERATE}\n\n"));
    out.push_str("/** Sent as `v` in the WebSocket URL (`?v=1`); the server refuses versions it does not speak. */\n");
    out.push_str(&format!("export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n"));
    // The server's file rules, so a client refuses a file before uploading it for the same reasons.
    let list = |items: &[&str]| serde_json::to_string(items).expect("strings serialize");
    out.push_str("\n/** Types shown inline, with a preview; any other type is a file. */\n");
    out.push_str(&format!("export const IMAGE_TYPES: readonly string[] = {};\n", list(&attachment::IMAGE_TYPES)));
    out.push_str("/** Extensions of files that run when opened: refused whatever their type. */\n");
    out.push_str(&format!("export const BLOCKED_EXTENSIONS: readonly string[] = {};\n", list(attachment::BLOCKED_EXTENSIONS)));
    out.push_str("/** Types a browser would run or render as a page: refused. */\n");
    out.push_str(&format!("export const BLOCKED_TYPES: readonly string[] = {};\n", list(attachment::BLOCKED_TYPES)));
    out.push_str("/** At most this many files go with one message. */\n");
    out.push_str(&format!("export const MAX_ATTACHMENTS_PER_MESSAGE = {};\n", attachment::MAX_ATTACHMENTS_PER_MESSAGE));
    for declaration in module.declarations.values() {
        out.push('\n');
        out.push_str(declaration.trim_end());
        out.push('\n');
    }
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

#[test]
fn the_checked_in_typescript_matches_the_rust_types() {
    let generated = generate();
    let path = checked_in_path();
    if std::env::var(UPDATE_VAR).as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().expect("the path has a folder")).expect("web/protocol/ can be created");
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "web/protocol/{FILE} is stale (or was edited by hand): it differs from what the Rust wire types generate.\n\
         Regenerate it with\n\n    {REGENERATE}\n\n\
         and commit the result. First difference at {}",
        first_difference(&generated, &checked_in),
    );
}

#[test]
fn every_number_is_a_json_number() {
    // JSON.parse yields `number`, never `bigint`: a u64 or i64 field without `#[ts(type = "number")]`
    // would type the console's values wrongly.
    let generated = generate();
    let offending: Vec<&str> = generated.lines().filter(|l| l.contains("bigint")).collect();
    assert!(offending.is_empty(), "add #[ts(type = \"number\")] to the fields behind: {offending:#?}");
}

#[test]
fn the_module_stands_alone_and_declares_each_type_once() {
    let generated = generate();
    assert!(!generated.lines().any(|l| l.starts_with("import ")), "protocol.ts must not import other files");
    for name in ["ClientFrame", "ServerEvent", "HistoryPage", "VisitorSessionRequest", "DialogId", "SystemEvent"] {
        let declared = generated.matches(&format!("export type {name} =")).count();
        assert_eq!(declared, 1, "{name} is declared {declared} times");
    }
    assert!(generated.contains(&format!("export const PROTOCOL_VERSION = {PROTOCOL_VERSION};")));
}
