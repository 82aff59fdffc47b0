//! How a person is reached: email addresses and phone numbers, as visitors and operators give them.
//! The one place that says what counts as either and how it is compared.

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
