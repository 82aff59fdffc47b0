//! How a person is reached: email addresses and phone numbers, as visitors and operators give them.
//! The one place that says what counts as either and how it is compared; and the contact, the
//! person behind visitors and dialogs, whom those keys identify within a workspace.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DomainError, Millis};
use crate::ids::{ContactId, OperatorId, SiteKey, WorkspaceId};

/// An email address, as its owner wrote it, known to look like one. Stored addresses read back as
/// they are (`serde(transparent)`): they were checked when written, by the rule of their time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// A contact's address (`valid_email`), trimmed, otherwise as written.
    pub fn parse(raw: &str) -> Option<Self> {
        valid_email(raw).map(|_| Self(raw.trim().to_owned()))
    }

    /// An operator's login, for a new operator: an address by the contact rule, at most
    /// `MAX_EMAIL_CHARS`, kept in its compared form (`normalize_email`). Operators created under
    /// the older rule (an `@` was enough) keep signing in with what they were created with.
    pub fn operator(raw: &str) -> Option<Self> {
        let email = valid_email(raw)?;
        (email.len() <= MAX_EMAIL_CHARS).then_some(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form addresses are compared in: two contacts with the same key are the same address.
    pub fn key(&self) -> String {
        normalize_email(&self.0)
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number, as its owner wrote it, known to hold enough digits (`phone_digits`). Stored
/// numbers read back as they are, like `Email`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Option<Self> {
        phone_digits(raw).map(|_| Self(raw.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its digits: the form numbers are compared in.
    pub fn key(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest email address (RFC 5321's path limit, less its angle brackets).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Fewer digits than this is not a phone number.
pub const MIN_PHONE_DIGITS: usize = 5;

/// Emails compare without case or surrounding space: this is the one form stored and looked up.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// An email as it is compared (`normalize_email`), when it looks like one: something, an `@`, and
/// a domain with a dot.
pub fn valid_email(raw: &str) -> Option<String> {
    let email = normalize_email(raw);
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-@'".contains(c));
    ok.then_some(email)
}

/// A phone number's digits, when `raw` is written as one: digits, spaces and `+-().`, with at
/// least `MIN_PHONE_DIGITS` digits.
pub fn phone_digits(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty()
        || !raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return None;
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= MIN_PHONE_DIGITS).then_some(digits)
}

/// A person, as operators know them: they own visitors (browser identities, each with its
/// dialog) and, through them, dialogs. Their e-mail, phone and verified site user ids are their
/// keys (`ContactKey`): each names at most one contact of the workspace, held by a unique index
/// item the store writes on the condition that no other contact holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub workspace: WorkspaceId,
    pub name: Option<String>,
    /// Held as this contact's key: no other contact of the workspace has it.
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    /// E-mails and phones of contacts united into this one (a merge) beside its own: keys too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_emails: Vec<Email>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_phones: Vec<Phone>,
    #[serde(default)]
    pub notes: String,
    /// Values of the workspace's custom fields (`FieldDefinition`), by key.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Site user ids a site vouched for (identity verification): each is a key too.
    #[serde(default)]
    pub users: Vec<SiteUser>,
    /// What a visitor of this contact said that another contact holds already: kept (never
    /// attached) so that a merge can be suggested.
    #[serde(default)]
    pub claims: Vec<Claim>,
    /// Who blocked the contact and when: no message goes to or from them while this is set
    /// (`Dialog::blocked` carries it onto each of their dialogs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<ContactBlock>,
    /// Set on a contact united into another (a merge): it is kept only so that its id keeps
    /// resolving, to the contact named here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<ContactId>,
    /// The contacts united into this one, whose ids resolve to it (`merged_into`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<ContactId>,
    /// The workspace's tags put on the contact (seed 002), each possibly pinned; every dialog of
    /// the contact carries a copy (`Dialog::tags`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<super::ContactTag>,
    pub created_at: Millis,
    /// Bumped by every write; a write that expects another version lost a race.
    pub version: u64,
}

/// A site's own user id, verified by an HMAC its backend computed (`identity_hash`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct SiteUser {
    pub site: SiteKey,
    pub user_id: String,
}

/// An e-mail or phone a visitor typed that another contact holds: unverified, so only recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct Claim {
    /// The key as the store holds it (`ContactKey::as_string`): `email:…` or `phone:…`.
    pub key: String,
    /// As the visitor wrote it.
    pub value: String,
    /// The contact that holds the key.
    pub owner: ContactId,
}

/// A block on a contact: the operator who set it, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ContactBlock {
    pub by: OperatorId,
    #[ts(type = "number")]
    pub at: Millis,
}

/// What identifies a contact within a workspace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactKey {
    /// `Email::key`.
    Email(String),
    /// `Phone::key`.
    Phone(String),
    /// A site's user id, verified.
    User(SiteKey, String),
}

impl ContactKey {
    /// The key as the store holds it: `email:anna@example.com`, `phone:79123456789`,
    /// `user:site_…:42`.
    pub fn as_string(&self) -> String {
        match self {
            Self::Email(k) => format!("email:{k}"),
            Self::Phone(k) => format!("phone:{k}"),
            Self::User(site, id) => format!("user:{site}:{id}"),
        }
    }

    pub fn of_email(email: &Email) -> Self {
        Self::Email(email.key())
    }

    pub fn of_phone(phone: &Phone) -> Self {
        Self::Phone(phone.key())
    }
}

impl Contact {
    /// A new contact (version 0: not stored yet).
    pub fn new(id: ContactId, workspace: WorkspaceId, now: Millis) -> Self {
        Self {
            id,
            workspace,
            name: None,
            email: None,
            phone: None,
            other_emails: Vec::new(),
            other_phones: Vec::new(),
            notes: String::new(),
            fields: BTreeMap::new(),
            users: Vec::new(),
            claims: Vec::new(),
            blocked: None,
            merged_into: None,
            merged: Vec::new(),
            tags: Vec::new(),
            created_at: now,
            version: 0,
        }
    }

    /// How operators see a contact who has not said a name: as the visitor it was made for.
    pub fn display_name(&self) -> String {
        super::display_name(self.name.as_deref(), self.id.as_str())
    }

    /// Every key the contact holds.
    pub fn keys(&self) -> Vec<ContactKey> {
        let mut keys = Vec::new();
        keys.extend(self.email.as_ref().map(ContactKey::of_email));
        keys.extend(self.phone.as_ref().map(ContactKey::of_phone));
        keys.extend(self.other_emails.iter().map(ContactKey::of_email));
        keys.extend(self.other_phones.iter().map(ContactKey::of_phone));
        keys.extend(
            self.users
                .iter()
                .map(|u| ContactKey::User(u.site.clone(), u.user_id.clone())),
        );
        keys.sort();
        keys.dedup();
        keys
    }

    /// The words of the contact's name, as the name index holds them (`name_words`). A contact
    /// merged into another has none: it is found as the one it went into.
    pub fn name_words(&self) -> Vec<String> {
        match (&self.merged_into, &self.name) {
            (None, Some(name)) => name_words(name),
            _ => Vec::new(),
        }
    }

    /// What the contact is found by besides its keys (each an index item the store keeps with
    /// it): the words of its name, and the keys it claims (so the holder's card can offer the
    /// merge too). An alias has none.
    pub fn lookups(&self) -> Vec<Lookup> {
        let mut lookups: Vec<Lookup> = self.name_words().into_iter().map(Lookup::Word).collect();
        if self.merged_into.is_none() {
            lookups.extend(self.claims.iter().map(|c| Lookup::Claim(c.key.clone())));
        }
        lookups
    }

    /// Records that a visitor of this contact gave `value` (the key `key`), which `owner` holds.
    pub fn claim(&mut self, key: &ContactKey, value: &str, owner: &ContactId) {
        let key = key.as_string();
        if owner != &self.id && !self.claims.iter().any(|c| c.key == key) {
            self.claims.push(Claim {
                key,
                value: value.to_owned(),
                owner: owner.clone(),
            });
        }
    }
}

/// An index item of a contact (`Contact::lookups`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lookup {
    /// A word of its name (`name_words`).
    Word(String),
    /// A key it claims (`Claim::key`, as `ContactKey::as_string` writes it).
    Claim(String),
}

/// How many words of a name are indexed, and the longest word kept.
pub const MAX_NAME_WORDS: usize = 8;
pub const MAX_NAME_WORD_CHARS: usize = 40;

/// The words a name is found by (first name, last name, ...): lowercase, split on anything that
/// is not a letter or a digit, at most `MAX_NAME_WORDS` distinct words of at most
/// `MAX_NAME_WORD_CHARS` characters. A search prefix is cut the same way (`name_prefix`).
pub fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in name.split(|c: char| !c.is_alphanumeric()) {
        let word: String = word
            .to_lowercase()
            .chars()
            .take(MAX_NAME_WORD_CHARS)
            .collect();
        if !word.is_empty() && !words.contains(&word) && words.len() < MAX_NAME_WORDS {
            words.push(word);
        }
    }
    words
}

/// What a name search looks up: the first word of the query, as `name_words` cuts it, when
/// there is one.
pub fn name_prefix(query: &str) -> Option<String> {
    name_words(query).into_iter().next()
}

/// The longest chain of merged contacts an id is followed through (`Contact::merged_into`).
pub const MAX_MERGE_HOPS: usize = 16;

/// A merge (seed 001, "Unite"): `into` takes everything `from` has, and `from` stays only as an
/// alias of it. Returns both as they are to be written (each at its next version):
/// - the name is `into`'s, else `from`'s; e-mail and phone are `into`'s, else `from`'s, and
///   `from`'s others are kept as `other_emails`/`other_phones` (keys, like the first);
/// - notes are joined, `into`'s first; a custom field keeps `into`'s value, and a different value
///   of `from`'s is added to the notes (`key: value`), so nothing is lost;
/// - verified site users and claims are joined (a claim on a key the united contact now holds,
///   or on either of the two, is dropped);
/// - tags are joined (`united_tags`: a tag pinned on either stays pinned); a block on either is
///   kept; the earlier creation time is kept;
/// - `from` keeps its id and history but no keys, and names `into` as `merged_into`; `into`
///   lists it (and whatever had been merged into it) in `merged`.
pub fn unite(into: &Contact, from: &Contact) -> (Contact, Contact) {
    let mut united = into.clone();
    if united.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        united.name = from.name.clone();
    }
    let mut emails: Vec<Email> = from
        .email
        .iter()
        .chain(&from.other_emails)
        .cloned()
        .collect();
    let mut phones: Vec<Phone> = from
        .phone
        .iter()
        .chain(&from.other_phones)
        .cloned()
        .collect();
    if united.email.is_none() && !emails.is_empty() {
        united.email = Some(emails.remove(0));
    }
    if united.phone.is_none() && !phones.is_empty() {
        united.phone = Some(phones.remove(0));
    }
    for email in emails {
        let known = united.email.iter().chain(&united.other_emails);
        if !known.map(Email::key).any(|k| k == email.key()) {
            united.other_emails.push(email);
        }
    }
    for phone in phones {
        let known = united.phone.iter().chain(&united.other_phones);
        if !known.map(Phone::key).any(|k| k == phone.key()) {
            united.other_phones.push(phone);
        }
    }
    let mut notes: Vec<String> = [&into.notes, &from.notes]
        .into_iter()
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .collect();
    for (key, value) in &from.fields {
        match united.fields.get(key) {
            None => {
                united.fields.insert(key.clone(), value.clone());
            }
            Some(kept) if kept != value => notes.push(format!("{key}: {value}")),
            Some(_) => {}
        }
    }
    united.notes = notes.join("\n\n");
    for user in &from.users {
        if !united.users.contains(user) {
            united.users.push(user.clone());
        }
    }
    let held: Vec<String> = united.keys().iter().map(ContactKey::as_string).collect();
    let mut claims = into.claims.clone();
    claims.extend(from.claims.iter().cloned());
    united.claims = Vec::new();
    for claim in claims {
        let settled = held.contains(&claim.key)
            || claim.owner == into.id
            || claim.owner == from.id
            || united.claims.iter().any(|c| c.key == claim.key);
        if !settled {
            united.claims.push(claim);
        }
    }
    united.tags = super::united_tags(&into.tags, &from.tags);
    if united.blocked.is_none() {
        united.blocked = from.blocked.clone();
    }
    united.created_at = into.created_at.min(from.created_at);
    for id in std::iter::once(&from.id).chain(&from.merged) {
        if !united.merged.contains(id) {
            united.merged.push(id.clone());
        }
    }
    united.version += 1;
    let mut alias = from.clone();
    alias.email = None;
    alias.phone = None;
    alias.other_emails.clear();
    alias.other_phones.clear();
    alias.users.clear();
    alias.claims.clear();
    alias.tags.clear();
    alias.merged_into = Some(into.id.clone());
    alias.version += 1;
    (united, alias)
}

/// A field an admin defines for every contact of the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct FieldDefinition {
    /// `a-z`, `0-9` and `_`, starting with a letter, at most `MAX_FIELD_KEY_CHARS`: how values are
    /// stored and sent.
    pub key: String,
    /// What operators read beside the value.
    pub label: String,
}

/// How many custom fields a workspace may define.
pub const MAX_CONTACT_FIELDS: usize = 20;
pub const MAX_FIELD_KEY_CHARS: usize = 32;
pub const MAX_FIELD_LABEL_CHARS: usize = 60;
/// The longest value of a custom field.
pub const MAX_FIELD_VALUE_CHARS: usize = 500;
/// The longest notes on a contact.
pub const MAX_NOTES_CHARS: usize = 5000;
/// The longest site user id a site may vouch for.
pub const MAX_USER_ID_CHARS: usize = 128;

/// The workspace's custom fields as an admin sets them, checked: at most `MAX_CONTACT_FIELDS`,
/// keys well formed and distinct, labels given and short.
pub fn check_field_definitions(fields: &[FieldDefinition]) -> Result<(), DomainError> {
    if fields.len() > MAX_CONTACT_FIELDS {
        return Err(DomainError::Invalid(format!(
            "a workspace may define at most {MAX_CONTACT_FIELDS} contact fields"
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in fields {
        let well_formed = f.key.len() <= MAX_FIELD_KEY_CHARS
            && f.key.starts_with(|c: char| c.is_ascii_lowercase())
            && f.key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(DomainError::Invalid(format!(
                "field key {} must be a-z, 0-9 and _, start with a letter, at most {MAX_FIELD_KEY_CHARS} characters",
                super::quote(&f.key)
            )));
        }
        let label = f.label.trim();
        if label.is_empty() || label.chars().count() > MAX_FIELD_LABEL_CHARS {
            return Err(DomainError::Invalid(format!(
                "field {} needs a label of at most {MAX_FIELD_LABEL_CHARS} characters",
                f.key
            )));
        }
        if !seen.insert(&f.key) {
            return Err(DomainError::Invalid(format!(
                "field key {} is defined twice",
                f.key
            )));
        }
    }
    Ok(())
}

/// Custom field values as an operator sets them, checked against the workspace's definitions:
/// only defined keys, each value at most `MAX_FIELD_VALUE_CHARS`; blank values are dropped.
pub fn check_field_values(
    values: BTreeMap<String, String>,
    defined: &[FieldDefinition],
) -> Result<BTreeMap<String, String>, DomainError> {
    let mut kept = BTreeMap::new();
    for (key, value) in values {
        if !defined.iter().any(|f| f.key == key) {
            return Err(DomainError::Invalid(format!(
                "{} is not a contact field of this workspace",
                super::quote(&key)
            )));
        }
        if value.chars().count() > MAX_FIELD_VALUE_CHARS {
            return Err(DomainError::Invalid(format!(
                "the value of {key} may have at most {MAX_FIELD_VALUE_CHARS} characters"
            )));
        }
        let value = value.trim();
        if !value.is_empty() {
            kept.insert(key, value.to_owned());
        }
    }
    Ok(kept)
}

/// The hash a site's backend sends with its user id: HMAC-SHA256 of the user id (its UTF-8
/// bytes) under the site's identity secret (its UTF-8 bytes), as lowercase hex.
pub fn identity_hash(secret: &str, user_id: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(user_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `hash` is `identity_hash(secret, user_id)`, compared in constant time (any case of
/// hex accepted).
pub fn identity_verified(secret: &str, user_id: &str, hash: &str) -> bool {
    use hmac::{Hmac, Mac};
    let Some(given) = decode_hex(hash.trim()) else {
        return false;
    };
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(user_id.as_bytes());
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// A site user id as a site sends it: non-empty, at most `MAX_USER_ID_CHARS`, no control
/// characters.
pub fn valid_user_id(raw: &str) -> bool {
    !raw.is_empty()
        && raw.chars().count() <= MAX_USER_ID_CHARS
        && !raw.chars().any(char::is_control)
}

/// The most bytes of files one contact's export gathers (`POST /api/contacts/{id}/export`): the
/// export is built in the HTTP API function's memory (the ZIP, and one file at a time as it is
/// read into it), which stays at the 256 MB every request of that function is billed for.
pub const MAX_EXPORT_BYTES: u64 = 50 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_hash_is_the_hmac_of_the_user_id() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let hash = identity_hash("Jefe", "what do ya want for nothing?");
        assert_eq!(
            hash,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(identity_verified(
            "Jefe",
            "what do ya want for nothing?",
            &hash
        ));
        assert!(identity_verified(
            "Jefe",
            "what do ya want for nothing?",
            &hash.to_uppercase()
        ));
        assert!(!identity_verified("Jefe", "someone else", &hash));
        assert!(!identity_verified(
            "other",
            "what do ya want for nothing?",
            &hash
        ));
        assert!(!identity_verified("Jefe", "x", "zz"));
    }

    #[test]
    fn a_contact_holds_its_keys_and_records_others_claims() {
        let mut c = Contact::new(
            ContactId::from_trusted("ct_abcd1234"),
            WorkspaceId::from_trusted("ws_1"),
            1,
        );
        assert_eq!(c.display_name(), "Visitor 1234");
        c.email = Email::parse("Anna@Example.com");
        c.phone = Phone::parse("+7 912 345-67-89");
        c.users.push(SiteUser {
            site: SiteKey::from_trusted("site_1"),
            user_id: "42".into(),
        });
        let keys: Vec<String> = c.keys().iter().map(ContactKey::as_string).collect();
        assert_eq!(
            keys,
            [
                "email:anna@example.com",
                "phone:79123456789",
                "user:site_1:42"
            ]
        );
        let other = ContactId::from_trusted("ct_other");
        let key = ContactKey::Email("b@example.com".into());
        c.claim(&key, "B@example.com", &other);
        c.claim(&key, "B@example.com", &other);
        assert_eq!(c.claims.len(), 1, "a claim is recorded once");
        c.claim(
            &ContactKey::Email("c@example.com".into()),
            "c@example.com",
            &c.id.clone(),
        );
        assert_eq!(c.claims.len(), 1, "its own key is no claim");
    }

    #[test]
    fn a_merge_keeps_everything_of_both_and_leaves_a_keyless_alias() {
        let ws = WorkspaceId::from_trusted("ws_1");
        let mut left = Contact::new(ContactId::from_trusted("ct_left"), ws.clone(), 20);
        left.email = Email::parse("left@example.com");
        left.notes = "Left notes".into();
        left.fields.insert("plan".into(), "gold".into());
        left.version = 3;
        let mut right = Contact::new(ContactId::from_trusted("ct_right"), ws, 10);
        right.name = Some("Right".into());
        right.email = Email::parse("right@example.com");
        right.phone = Phone::parse("+7 912 345-67-89");
        right.fields.insert("plan".into(), "silver".into());
        right.fields.insert("city".into(), "Kazan".into());
        right.users.push(SiteUser {
            site: SiteKey::from_trusted("site_1"),
            user_id: "42".into(),
        });
        right.merged.push(ContactId::from_trusted("ct_older"));
        let tag = |id: &str, pinned| super::super::ContactTag {
            tag: crate::ids::TagId::from_trusted(id),
            pinned,
        };
        left.tags = vec![tag("tag_vip", false)];
        right.tags = vec![tag("tag_vip", true), tag("tag_b2b", false)];
        right.blocked = Some(ContactBlock {
            by: OperatorId::from_trusted("op_1"),
            at: 5,
        });
        let third = ContactId::from_trusted("ct_third");
        left.claim(
            &ContactKey::Phone("79123456789".into()),
            "+7 912",
            &right.id,
        );
        right.claim(
            &ContactKey::Email("x@example.com".into()),
            "x@example.com",
            &third,
        );
        right.version = 7;

        let (united, alias) = unite(&left, &right);
        assert_eq!(united.version, 4);
        assert_eq!(
            united.name.as_deref(),
            Some("Right"),
            "the left had no name"
        );
        assert_eq!(united.email, left.email, "the left's own stays first");
        assert_eq!(united.other_emails, vec![right.email.clone().unwrap()]);
        assert_eq!(united.phone, right.phone);
        assert_eq!(united.fields["plan"], "gold");
        assert_eq!(united.fields["city"], "Kazan");
        assert_eq!(united.notes, "Left notes\n\nplan: silver");
        assert_eq!(united.users, right.users);
        assert_eq!(united.claims.len(), 1, "a claim on the right is settled");
        assert_eq!(united.claims[0].owner, third);
        assert!(united.blocked.is_some(), "a block is kept");
        assert_eq!(
            united.tags,
            vec![tag("tag_vip", true), tag("tag_b2b", false)],
            "tags joined, a pin kept"
        );
        assert!(alias.tags.is_empty());
        assert_eq!(united.created_at, 10);
        assert_eq!(
            united.merged,
            vec![right.id.clone(), ContactId::from_trusted("ct_older")]
        );
        let mut keys = united.keys();
        keys.sort();
        assert_eq!(keys.len(), 4, "{keys:?}");

        assert_eq!(alias.version, 8);
        assert!(alias.keys().is_empty());
        assert_eq!(alias.merged_into.as_ref(), Some(&left.id));
        assert!(
            alias.name_words().is_empty(),
            "found as the one it went into"
        );
    }

    #[test]
    fn a_name_is_found_by_its_words() {
        assert_eq!(
            name_words("Anna-Maria  O'Neil Anna"),
            ["anna", "maria", "o", "neil"]
        );
        assert_eq!(name_prefix("  Ivan Petrov"), Some("ivan".into()));
        assert_eq!(name_prefix(" -- "), None);
        assert_eq!(name_words(&"x".repeat(100))[0].len(), MAX_NAME_WORD_CHARS);
    }

    #[test]
    fn custom_fields_are_checked_against_their_definitions() {
        let defs = vec![FieldDefinition {
            key: "plan".into(),
            label: "Plan".into(),
        }];
        assert!(check_field_definitions(&defs).is_ok());
        let bad = |key: &str| FieldDefinition {
            key: key.into(),
            label: "L".into(),
        };
        assert!(check_field_definitions(&[bad("Plan")]).is_err());
        assert!(check_field_definitions(&[bad("1x")]).is_err());
        assert!(check_field_definitions(&[bad("a"), bad("a")]).is_err());
        let many: Vec<_> = (0..=MAX_CONTACT_FIELDS)
            .map(|i| bad(&format!("f{i}")))
            .collect();
        assert!(check_field_definitions(&many).is_err());
        let values = BTreeMap::from([("plan".to_owned(), " gold ".to_owned())]);
        assert_eq!(check_field_values(values, &defs).unwrap()["plan"], "gold");
        let unknown = BTreeMap::from([("tier".to_owned(), "x".to_owned())]);
        assert!(check_field_values(unknown, &defs).is_err());
        let long = BTreeMap::from([("plan".to_owned(), "x".repeat(MAX_FIELD_VALUE_CHARS + 1))]);
        assert!(check_field_values(long, &defs).is_err());
    }

    #[test]
    fn an_email_needs_a_local_part_and_a_dotted_domain() {
        assert!(valid_email("not an email").is_none());
        assert!(valid_email("a@b").is_none());
        assert_eq!(valid_email(" A@B.io").as_deref(), Some("a@b.io"));
    }

    #[test]
    fn a_phone_needs_enough_digits() {
        assert!(phone_digits("1234").is_none(), "too few digits");
    }

    #[test]
    fn a_contact_keeps_what_was_written_and_compares_by_its_key() {
        let email = Email::parse("  Anna.K@Example.com ").unwrap();
        assert_eq!(email.as_str(), "Anna.K@Example.com");
        assert_eq!(email.key(), "anna.k@example.com");
        assert!(Email::parse("a@b").is_none());
        let phone = Phone::parse(" +7 (912) 345-67-89").unwrap();
        assert_eq!(phone.as_str(), "+7 (912) 345-67-89");
        assert_eq!(phone.key(), "79123456789");
        assert!(Phone::parse("12-3").is_none());
    }

    #[test]
    fn an_operator_login_is_an_address_in_its_compared_form() {
        assert_eq!(
            Email::operator(" Boss@Shop.Example ").unwrap().as_str(),
            "boss@shop.example"
        );
        assert!(
            Email::operator("boss@localhost").is_none(),
            "no dotted domain"
        );
        assert!(Email::operator("nobody").is_none());
        assert!(Email::operator("a@b@c.example").is_none());
        assert!(Email::operator(&format!("a@{}.example", "b".repeat(MAX_EMAIL_CHARS))).is_none());
    }

    #[test]
    fn stored_contacts_read_back_unchecked() {
        let old: Email = serde_json::from_str("\"a@b\"").unwrap();
        assert_eq!(old.as_str(), "a@b");
    }
}
