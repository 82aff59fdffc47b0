//! Quick search (seed 001: "a quick contact search window"): the terms a dialog is found by. A
//! visitor's name, email and phone, and the words of every message, become index terms; a query
//! becomes terms the same way and matches the terms that start with them. Pure, so the index and
//! the query can never disagree on what a word is.

use crate::ids::DialogId;
use serde::{Deserialize, Serialize};

use super::{Millis, phone_digits, valid_email};

/// A term must have this many characters: the index is partitioned by a term's first two.
pub const MIN_TERM_CHARS: usize = 2;
/// A message's words shorter than this are not indexed (names, emails and phones keep two).
pub const MIN_MESSAGE_TERM_CHARS: usize = 3;
/// Longer terms are cut: a query longer than this still finds them by their start.
pub const MAX_TERM_CHARS: usize = 40;
/// Distinct words indexed per message, in the order they first appear: each is one index write.
pub const MAX_TERMS_PER_MESSAGE: usize = 32;
/// Words a query may have; all of them must match (AND).
pub const MAX_QUERY_TERMS: usize = 5;
/// The longest query accepted.
pub const MAX_QUERY_CHARS: usize = 200;
/// A phone number is kept and searched by its last ten digits too, so "+7 912…", "8 912…" and
/// "912…" find the same visitor.
const NATIONAL_DIGITS: usize = 10;
/// The shortest tail of a phone number that is indexed.
const MIN_PHONE_TAIL: usize = 4;

/// Where a dialog matched a query.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(export_to = "protocol.ts")]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    Name,
    Email,
    Phone,
    Message,
}

impl SearchField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Message => "message",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Name, Self::Email, Self::Phone, Self::Message]
            .into_iter()
            .find(|f| f.as_str() == raw)
    }
}

/// One entry of the quick-search index: `term` was found in `field` of `dialog`, last at `at`
/// (and, for a message, in the message `seq`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub term: String,
    pub dialog: DialogId,
    pub field: SearchField,
    pub seq: Option<u64>,
    pub at: Millis,
}

/// The words of a text: runs of letters and digits, lower-cased, at least two characters, cut to
/// `MAX_TERM_CHARS`, each once, in the order they first appear.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let term: String = word
            .chars()
            .flat_map(char::to_lowercase)
            .take(MAX_TERM_CHARS)
            .collect();
        if term.chars().count() >= MIN_TERM_CHARS && !out.contains(&term) {
            out.push(term);
        }
    }
    out
}

/// The terms a message is indexed by: its words of at least `MIN_MESSAGE_TERM_CHARS`, at most
/// `MAX_TERMS_PER_MESSAGE`. Two-letter words ("of", "to", "is", "ok") are most of a chat's words and
/// almost never what someone searches for; each would cost a write per message.
pub fn message_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= MIN_MESSAGE_TERM_CHARS)
        .collect();
    terms.truncate(MAX_TERMS_PER_MESSAGE);
    terms
}

/// The terms an email is found by: the whole address (so "anna@exa" finds it) and its words.
pub fn email_terms(email: &str) -> Vec<String> {
    let Some(email) = valid_email(email) else {
        return words(email);
    };
    let whole: String = email.chars().take(MAX_TERM_CHARS).collect();
    let parts = words(&email).into_iter().filter(|w| *w != whole);
    std::iter::once(whole.clone()).chain(parts).collect()
}

/// The terms a phone number is found by: all its digits, and every tail of its last ten down to
/// `MIN_PHONE_TAIL` digits, so that a query matching the start of a term finds any digits inside
/// it ("555 01" finds +1 202 555 0142) at a few writes per visitor.
pub fn phone_terms(phone: &str) -> Vec<String> {
    let Some(digits) = phone_digits(phone) else {
        return Vec::new();
    };
    let national = &digits[digits.len().saturating_sub(NATIONAL_DIGITS)..];
    let tails = (0..=national.len().saturating_sub(MIN_PHONE_TAIL))
        .map(|start| national[start..].to_owned());
    let mut terms = vec![digits.clone()];
    terms.extend(tails.filter(|t| *t != digits));
    terms
}

/// What a query looks for: an email as a whole; a phone number (digits and `+-().` only, five
/// digits or more) as its digits, the last ten when it has more, so it matches however the country
/// code was written (a bare number of up to ten digits is the same term as the word it is);
/// anything else as its words. At most `MAX_QUERY_TERMS`; empty when nothing is long enough.
pub fn query_terms(query: &str) -> Vec<String> {
    let query = query.trim();
    if query.contains('@') && !query.contains(char::is_whitespace) {
        let term: String = query.to_lowercase().chars().take(MAX_TERM_CHARS).collect();
        return if term.chars().count() >= MIN_TERM_CHARS {
            vec![term]
        } else {
            Vec::new()
        };
    }
    if let Some(digits) = phone_digits(query) {
        let start = digits.len().saturating_sub(NATIONAL_DIGITS);
        return vec![digits[start..].to_owned()];
    }
    let mut terms = words(query);
    terms.truncate(MAX_QUERY_TERMS);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_cased_unique_and_at_least_two_characters() {
        assert_eq!(
            words("Hello, hello! A payment of 25$ — Оплата не прошла"),
            ["hello", "payment", "of", "25", "оплата", "не", "прошла"]
        );
        assert_eq!(words(&"x".repeat(100))[0].chars().count(), MAX_TERM_CHARS);
        assert!(words("a b c . , !").is_empty());
    }

    #[test]
    fn a_message_is_indexed_by_its_first_distinct_words_of_three_or_more() {
        let text: String = (0..100).map(|i| format!("w{i} ")).collect();
        let terms = message_terms(&text);
        assert_eq!(terms.len(), MAX_TERMS_PER_MESSAGE);
        assert_eq!(terms[0], "w10", "two-letter words are left out of messages");
        assert_eq!(message_terms("Is it ok to pay by card?"), ["pay", "card"]);
    }

    #[test]
    fn an_email_is_found_whole_and_by_its_words() {
        assert_eq!(
            email_terms(" Anna.K@Example.com "),
            ["anna.k@example.com", "anna", "example", "com"]
        );
        assert_eq!(
            query_terms("ANNA.K@exa"),
            ["anna.k@exa"],
            "a partial address is one term"
        );
    }

    #[test]
    fn a_phone_is_found_by_all_its_digits_and_the_tails_of_its_last_ten() {
        assert_eq!(
            phone_terms("+7 (912) 345-67-89"),
            [
                "79123456789",
                "9123456789",
                "123456789",
                "23456789",
                "3456789",
                "456789",
                "56789",
                "6789"
            ]
        );
        assert_eq!(phone_terms("12-34-56"), ["123456", "23456", "3456"]);
        assert!(phone_terms("call me").is_empty());
        // However the country code is written, the query is the national number.
        assert_eq!(query_terms("+7 912 345-67-89"), ["9123456789"]);
        assert_eq!(query_terms("8 (912) 345 67 89"), ["9123456789"]);
        assert_eq!(query_terms("912 345"), ["912345"]);
        assert_eq!(
            query_terms("89123456789"),
            ["9123456789"],
            "digits alone, with a trunk prefix"
        );
    }

    #[test]
    fn a_query_is_its_words_and_a_plain_number_is_a_word() {
        assert_eq!(
            query_terms("  Refund   ORDER 12345 "),
            ["refund", "order", "12345"]
        );
        assert_eq!(query_terms("a"), Vec::<String>::new());
        assert_eq!(
            query_terms("one two three four five six").len(),
            MAX_QUERY_TERMS
        );
    }

    #[test]
    fn fields_round_trip_their_names() {
        for f in [
            SearchField::Name,
            SearchField::Email,
            SearchField::Phone,
            SearchField::Message,
        ] {
            assert_eq!(SearchField::parse(f.as_str()), Some(f));
        }
    }
}
