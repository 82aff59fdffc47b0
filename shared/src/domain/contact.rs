//! How a person is reached: email addresses and phone numbers, as visitors and operators give them.
//! The one place that says what counts as either and how it is compared.

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
}
