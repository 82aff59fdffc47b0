//! Tags (seed 002): an admin defines coloured tags for the workspace; operators put them on
//! contacts and pin some, which then show under the contact's name in the dialog list. Each of the
//! contact's dialogs carries a copy of its tags (`Dialog::tags`), so the list shows and filters
//! them without reading contacts, and each tag's count of dialogs moves with those copies
//! (`tag_moves`): a count is the number of dialogs whose copy holds the tag.

use serde::{Deserialize, Serialize};

use super::{DomainError, Millis};
use crate::ids::{TagId, WorkspaceId};

/// The longest tag name, in characters (after trimming).
pub const MAX_TAG_NAME_CHARS: usize = 40;
/// How many tags a workspace may define.
pub const MAX_TAGS_PER_WORKSPACE: usize = 200;
/// How many tags one contact may carry.
pub const MAX_TAGS_PER_CONTACT: usize = 20;

/// A tag as an admin defined it. Its name is unique in the workspace, compared without case
/// (`Tag::name_key`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: TagId,
    pub workspace: WorkspaceId,
    pub name: String,
    /// `#rrggbb`, lower case.
    pub colour: String,
    pub created_at: Millis,
    /// Bumped by every write; a write that expects another version lost a race.
    pub version: u64,
}

impl Tag {
    /// What makes two names the same name: they are equal once lower-cased.
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }
}

/// The uniqueness key of a tag name.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// A tag name as an admin typed it: trimmed, 1 to `MAX_TAG_NAME_CHARS` characters, none of them
/// control characters.
pub fn tag_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_TAG_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "a tag name must be 1 to {MAX_TAG_NAME_CHARS} characters, none of them control characters"
        )));
    }
    Ok(name.to_owned())
}

/// A colour as `#rrggbb` (hex digits of either case), kept lower case.
pub fn tag_colour(raw: &str) -> Result<String, DomainError> {
    let raw = raw.trim();
    let ok =
        raw.len() == 7 && raw.starts_with('#') && raw[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if !ok {
        return Err(DomainError::Invalid(format!(
            "colour {} must be #rrggbb",
            super::quote(raw)
        )));
    }
    Ok(raw.to_ascii_lowercase())
}

/// A tag on a contact (and, copied, on each of its dialogs); a pinned one shows under the
/// contact's name in the dialog list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactTag {
    pub tag: TagId,
    #[serde(default)]
    pub pinned: bool,
}

/// The tags an operator sets on a contact, checked: at most `MAX_TAGS_PER_CONTACT`, none twice.
/// Their order is kept (the card shows them so).
pub fn check_contact_tags(tags: &[ContactTag]) -> Result<(), DomainError> {
    if tags.len() > MAX_TAGS_PER_CONTACT {
        return Err(DomainError::Invalid(format!(
            "a contact may carry at most {MAX_TAGS_PER_CONTACT} tags"
        )));
    }
    for (i, t) in tags.iter().enumerate() {
        if tags[..i].iter().any(|o| o.tag == t.tag) {
            return Err(DomainError::Invalid(format!(
                "tag {} is given twice",
                t.tag
            )));
        }
    }
    Ok(())
}

/// How a dialog's tag copy changing from `before` to `after` moves the tags' counts: +1 for each
/// tag it gains, -1 for each it loses (pinning changes no count).
pub fn tag_moves(before: &[ContactTag], after: &[ContactTag]) -> Vec<(TagId, i64)> {
    let has = |set: &[ContactTag], id: &TagId| set.iter().any(|t| &t.tag == id);
    let gained = after
        .iter()
        .filter(|t| !has(before, &t.tag))
        .map(|t| (t.tag.clone(), 1));
    let lost = before
        .iter()
        .filter(|t| !has(after, &t.tag))
        .map(|t| (t.tag.clone(), -1));
    gained.chain(lost).collect()
}

/// Moves added up per tag, those that cancel out dropped, in the order tags first appear.
pub fn sum_moves(moves: impl IntoIterator<Item = (TagId, i64)>) -> Vec<(TagId, i64)> {
    let mut sums: Vec<(TagId, i64)> = Vec::new();
    for (id, by) in moves {
        match sums.iter_mut().find(|(t, _)| *t == id) {
            Some((_, sum)) => *sum += by,
            None => sums.push((id, by)),
        }
    }
    sums.retain(|(_, by)| *by != 0);
    sums
}

/// The tags of two contacts united into one (a merge): `into`'s in their order, then those of
/// `from` it lacks; a tag pinned on either stays pinned.
pub fn united_tags(into: &[ContactTag], from: &[ContactTag]) -> Vec<ContactTag> {
    let mut united: Vec<ContactTag> = into.to_vec();
    for t in from {
        match united.iter_mut().find(|u| u.tag == t.tag) {
            Some(u) => u.pinned |= t.pinned,
            None => united.push(t.clone()),
        }
    }
    united
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(id: &str, pinned: bool) -> ContactTag {
        ContactTag {
            tag: TagId::from_trusted(id),
            pinned,
        }
    }

    #[test]
    fn names_are_trimmed_bounded_and_compared_without_case() {
        assert_eq!(tag_name("  VIP ").unwrap(), "VIP");
        assert!(tag_name("   ").is_err());
        assert!(tag_name(&"x".repeat(MAX_TAG_NAME_CHARS)).is_ok());
        assert!(tag_name(&"é".repeat(MAX_TAG_NAME_CHARS + 1)).is_err());
        assert!(tag_name("a\u{7}b").is_err());
        assert_eq!(name_key("Vip"), name_key("vIP"));
    }

    #[test]
    fn colours_are_six_hex_digits_kept_lower_case() {
        assert_eq!(tag_colour("#A1b2C3").unwrap(), "#a1b2c3");
        for bad in ["a1b2c3", "#a1b2c", "#a1b2c3d", "#g1b2c3", "", "red"] {
            assert!(tag_colour(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_contact_carries_each_tag_once_and_not_too_many() {
        assert!(check_contact_tags(&[tag("a", false), tag("b", true)]).is_ok());
        assert!(check_contact_tags(&[tag("a", false), tag("a", true)]).is_err());
        let many: Vec<ContactTag> = (0..=MAX_TAGS_PER_CONTACT)
            .map(|i| tag(&format!("t{i}"), false))
            .collect();
        assert!(check_contact_tags(&many).is_err());
        assert!(check_contact_tags(&many[..MAX_TAGS_PER_CONTACT]).is_ok());
    }

    #[test]
    fn a_copy_moves_the_counts_of_the_tags_it_gains_and_loses_not_of_a_pin() {
        let before = [tag("a", false), tag("b", false)];
        let after = [tag("b", true), tag("c", false)];
        assert_eq!(
            tag_moves(&before, &after),
            vec![
                (TagId::from_trusted("c"), 1),
                (TagId::from_trusted("a"), -1)
            ]
        );
        assert!(tag_moves(&after, &after).is_empty());
        assert_eq!(
            sum_moves([
                (TagId::from_trusted("a"), 1),
                (TagId::from_trusted("b"), 1),
                (TagId::from_trusted("a"), 2),
                (TagId::from_trusted("b"), -1),
            ]),
            vec![(TagId::from_trusted("a"), 3)]
        );
    }

    #[test]
    fn united_contacts_keep_every_tag_once_pinned_where_either_pinned_it() {
        let into = [tag("a", false), tag("b", true)];
        let from = [tag("a", true), tag("c", false)];
        assert_eq!(
            united_tags(&into, &from),
            vec![tag("a", true), tag("b", true), tag("c", false)]
        );
        assert_eq!(united_tags(&[], &from), from.to_vec());
    }
}
