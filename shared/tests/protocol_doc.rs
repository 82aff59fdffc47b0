//! `docs/protocol.md` is what client authors read, so its examples are checked against the code:
//! every ```` ```json client ```` block must parse as a `ClientFrame` and every ```` ```json server ````
//! block as a `ServerEvent`, with no field the types do not know; every action/op, event type and
//! system event needs an example; every error code must be named.
//!
//! The lists of what must be documented come from the types themselves (serde's variant names),
//! so adding a variant fails this test until the document shows it.

use parlor_core::domain::{ErrorCode, SystemEvent};
use parlor_core::protocol::{
    AssignOp, ClientAction, ClientFrame, CloseOp, MessageOp, MessageView, ServerEvent,
};
use serde::de::DeserializeOwned;
use serde::de::value::{MapDeserializer, StrDeserializer};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

fn read_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A fenced block tagged `json client` or `json server`, with the line its body starts on.
struct Example {
    tag: &'static str,
    line: usize,
    body: String,
}

fn examples(doc: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut open: Option<Example> = None;
    for (index, line) in doc.lines().enumerate() {
        match open.as_mut() {
            Some(_) if line.trim_start().starts_with("```") => found.extend(open.take()),
            Some(example) => {
                example.body.push_str(line);
                example.body.push('\n');
            }
            None => {
                let Some(info) = line.trim_start().strip_prefix("```") else {
                    continue;
                };
                let words: Vec<&str> = info.split_whitespace().collect();
                let tag = match words.as_slice() {
                    ["json", "client"] => "client",
                    ["json", "server"] => "server",
                    _ => continue,
                };
                open = Some(Example {
                    tag,
                    line: index + 2,
                    body: String::new(),
                });
            }
        }
    }
    assert!(
        open.is_none(),
        "a ```json client or ```json server block is never closed"
    );
    found
}

/// Parses an example into `T` and back: a field the type does not know (a typo, a renamed field)
/// would be ignored by serde on the way in, so it must show up as a difference on the way out.
fn parse_strictly<T: DeserializeOwned + serde::Serialize>(
    example: &Example,
) -> Result<(T, Value), String> {
    let raw: Value = serde_json::from_str(&example.body).map_err(|e| format!("not JSON: {e}"))?;
    let parsed: T = serde_json::from_value(raw.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&parsed).expect("wire types serialize");
    let mut found = Vec::new();
    differences("", &raw, &back, &mut found);
    if !found.is_empty() {
        return Err(format!(
            "it does not read back as written:\n  {}",
            found.join("\n  ")
        ));
    }
    Ok((parsed, raw))
}

/// Where an example and its reading-back differ, by JSON path.
fn differences(path: &str, example: &Value, back: &Value, found: &mut Vec<String>) {
    match (example, back) {
        (Value::Object(e), Value::Object(b)) => {
            for (key, value) in e {
                let at = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => differences(&at, value, other, found),
                    None => found.push(format!("{at}: not a field of the type")),
                }
            }
            for key in b.keys().filter(|k| !e.contains_key(*k)) {
                found.push(format!("{path}.{key}: missing, yet always sent"));
            }
        }
        (Value::Array(e), Value::Array(b)) if e.len() == b.len() => {
            for (i, (e, b)) in e.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), e, b, found);
            }
        }
        _ if example != back => found.push(format!("{path}: {example} reads back as {back}")),
        _ => {}
    }
}

/// What serde reports when it meets a variant it does not know: the names it expected, which are
/// the wire names (renames applied), straight from the derive.
#[derive(Debug)]
enum Reported {
    Variants(&'static [&'static str]),
    Other(String),
}

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Reported {}

impl serde::de::Error for Reported {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Reported::Other(message.to_string())
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Reported::Variants(expected)
    }
}

const NO_SUCH_VARIANT: &str = "\u{0}no such variant";

fn variant_names<T>(outcome: Result<T, Reported>) -> Vec<&'static str> {
    match outcome {
        Err(Reported::Variants(names)) => names.to_vec(),
        Err(Reported::Other(message)) => panic!("serde did not report the variants but: {message}"),
        Ok(_) => panic!("{NO_SUCH_VARIANT:?} parsed as a variant"),
    }
}

/// The wire names of an internally tagged enum's variants (`#[serde(tag = "...")]`).
fn tagged_variants<T: DeserializeOwned>(tag: &'static str) -> Vec<&'static str> {
    variant_names(T::deserialize(MapDeserializer::<_, Reported>::new(
        std::iter::once((tag, NO_SUCH_VARIANT)),
    )))
}

/// The wire names of a unit-only enum's variants.
fn unit_variants<T: DeserializeOwned>() -> Vec<&'static str> {
    variant_names(T::deserialize(StrDeserializer::<Reported>::new(
        NO_SUCH_VARIANT,
    )))
}

/// Every `action.op` the server takes.
fn every_client_frame() -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for action in tagged_variants::<ClientAction>("action") {
        let ops = match action {
            "message" => tagged_variants::<MessageOp>("op"),
            "assign" => tagged_variants::<AssignOp>("op"),
            "close" => tagged_variants::<CloseOp>("op"),
            other => panic!("ClientAction has a new action {other:?}: name its op enum here"),
        };
        all.extend(ops.into_iter().map(|op| format!("{action}.{op}")));
    }
    all
}

fn str_field<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_default()
}

/// The timeline events a server example shows, wherever it carries messages.
fn system_events_in(event: &ServerEvent) -> Vec<&'static str> {
    let messages: Vec<&MessageView> = match event {
        ServerEvent::Ack { message, .. } => message.iter().collect(),
        ServerEvent::DialogCreated { message, .. }
        | ServerEvent::MessageCreated { message, .. } => vec![message],
        ServerEvent::DialogUpdated { event, .. } => event.iter().collect(),
        ServerEvent::Error { .. }
        | ServerEvent::DialogRemoved { .. }
        | ServerEvent::MessageStatus { .. }
        | ServerEvent::Typing { .. }
        | ServerEvent::DialogRead { .. }
        | ServerEvent::OperatorStatusChanged { .. }
        | ServerEvent::OperatorUpdated { .. }
        | ServerEvent::VisitorPage { .. }
        | ServerEvent::DialogsDeleted { .. }
        | ServerEvent::WorkspaceHandling { .. }
        | ServerEvent::QueuePosition { .. }
        | ServerEvent::ContactUpdated { .. }
        | ServerEvent::ContactMerged { .. } => Vec::new(),
    };
    messages
        .into_iter()
        .filter_map(|m| m.event.as_ref())
        .map(|e| match e {
            SystemEvent::Joined { .. } => "joined",
            SystemEvent::Left { .. } => "left",
            SystemEvent::Transferred { .. } => "transferred",
            SystemEvent::Closed { .. } => "closed",
            SystemEvent::Reopened { .. } => "reopened",
            SystemEvent::HandedBack { .. } => "handed_back",
            SystemEvent::Held { .. } => "held",
            SystemEvent::Resumed { .. } => "resumed",
            SystemEvent::WentOffline { .. } => "went_offline",
            SystemEvent::Queued {} => "queued",
        })
        .collect()
}

#[test]
fn every_example_parses_as_the_type_it_claims_to_be() {
    let doc = read_doc();
    let examples = examples(&doc);
    let mut failures = Vec::new();
    for example in &examples {
        let outcome = match example.tag {
            "client" => parse_strictly::<ClientFrame>(example).map(drop),
            _ => parse_strictly::<ServerEvent>(example).map(drop),
        };
        if let Err(why) = outcome {
            failures.push(format!(
                "docs/protocol.md:{} (json {}): {why}\n{}",
                example.line, example.tag, example.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) do not parse:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        examples.iter().any(|e| e.tag == "client") && examples.iter().any(|e| e.tag == "server")
    );
}

#[test]
fn every_client_frame_has_an_example() {
    let doc = read_doc();
    let shown: BTreeSet<String> = examples(&doc)
        .iter()
        .filter(|e| e.tag == "client")
        .filter_map(|e| parse_strictly::<ClientFrame>(e).ok())
        .map(|(_, raw)| format!("{}.{}", str_field(&raw, "action"), str_field(&raw, "op")))
        .collect();
    let all = every_client_frame();
    assert!(
        all.contains("message.send") && all.contains("assign.transfer"),
        "the variant names came out as {all:?}"
    );
    let missing: Vec<&String> = all.difference(&shown).collect();
    assert!(
        missing.is_empty(),
        "docs/protocol.md has no ```json client example of {missing:?}"
    );
}

#[test]
fn every_server_event_has_an_example() {
    let doc = read_doc();
    let parsed: Vec<(ServerEvent, Value)> = examples(&doc)
        .iter()
        .filter(|e| e.tag == "server")
        .filter_map(|e| parse_strictly::<ServerEvent>(e).ok())
        .collect();

    let shown: BTreeSet<&str> = parsed
        .iter()
        .map(|(_, raw)| str_field(raw, "type"))
        .collect();
    let all = tagged_variants::<ServerEvent>("type");
    assert!(
        all.contains(&"message.created"),
        "the variant names came out as {all:?}"
    );
    let missing: Vec<&&str> = all.iter().filter(|t| !shown.contains(**t)).collect();
    assert!(
        missing.is_empty(),
        "docs/protocol.md has no ```json server example of {missing:?}"
    );

    let events: BTreeSet<&str> = parsed
        .iter()
        .flat_map(|(event, _)| system_events_in(event))
        .collect();
    let all = tagged_variants::<SystemEvent>("event");
    let missing: Vec<&&str> = all.iter().filter(|e| !events.contains(**e)).collect();
    assert!(
        missing.is_empty(),
        "no ```json server example shows the system event(s) {missing:?}"
    );
}

#[test]
fn every_error_code_is_explained() {
    let doc = read_doc();
    let codes = unit_variants::<ErrorCode>();
    assert!(codes.len() > 10, "the codes came out as {codes:?}");
    for code in codes {
        // The name must be the one the server sends: serialize the variant rather than trust the list.
        let variant: ErrorCode =
            serde_json::from_value(Value::from(code)).expect("a listed code parses");
        let wire = serde_json::to_value(variant).expect("codes serialize");
        let wire = wire.as_str().expect("a code is a string");
        assert!(
            doc.contains(&format!("`{wire}`")),
            "docs/protocol.md never names the error code `{wire}`"
        );
    }
}

#[test]
fn the_extractor_sees_only_tagged_json_blocks() {
    let doc =
        "text\n```json client\n{\"a\":1}\n```\n```json\n{}\n```\n```json server\n{\"b\":2}\n```\n";
    let found = examples(doc);
    let seen: Vec<(&str, usize, &str)> = found
        .iter()
        .map(|e| (e.tag, e.line, e.body.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![("client", 3, "{\"a\":1}\n"), ("server", 9, "{\"b\":2}\n")]
    );
}
