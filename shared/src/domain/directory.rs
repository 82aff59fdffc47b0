//! Workspaces, sites, operators and visitors: who may talk to whom.

use crate::ids::{DialogId, OperatorId, SiteKey, VisitorId, WorkspaceId};
use serde::{Deserialize, Serialize};

use super::Millis;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub created_at: Millis,
    /// How large attachments may be; workspaces stored before attachments get the defaults.
    #[serde(default)]
    pub attachment_limits: super::AttachmentLimits,
    /// Distribution, hold and time limits; workspaces stored before get the defaults.
    #[serde(default)]
    pub handling: super::ChatHandling,
    /// The fields an admin defined for every contact (at most `MAX_CONTACT_FIELDS`).
    #[serde(default)]
    pub contact_fields: Vec<super::FieldDefinition>,
}

/// A web site the widget runs on: its public key and the origins it may be embedded in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub key: SiteKey,
    pub workspace: WorkspaceId,
    pub name: String,
    /// `https://example.com`-style origins; empty means any origin.
    pub allowed_origins: Vec<String>,
    /// The widget's look and greeting; sites stored before settings existed get the defaults.
    #[serde(default)]
    pub settings: super::SiteSettings,
    /// The key the site's backend signs its user ids with (`identity_hash`); none until an admin
    /// makes one: until then the site vouches for no one.
    #[serde(default)]
    pub identity_secret: Option<String>,
}

impl Site {
    pub fn allows_origin(&self, origin: Option<&str>) -> bool {
        match origin {
            _ if self.allowed_origins.is_empty() => true,
            None => true,
            Some(o) => self
                .allowed_origins
                .iter()
                .any(|a| a.eq_ignore_ascii_case(o)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum Role {
    Admin,
    Operator,
}

/// New dialogs ring only for operators who are online (seed 001).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum OperatorStatus {
    Online,
    Away,
    Offline,
}

impl OperatorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "online" => Some(Self::Online),
            "away" => Some(Self::Away),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// The shortest password an operator may have, not counting spaces.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest: hashing is slow on purpose, and a megabyte of password would make it slower.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords every guesser tries first (case is ignored).
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "87654321",
    "11111111",
    "00000000",
    "qwertyui",
    "qwerty123",
    "qwertyuiop",
    "1q2w3e4r",
    "1qaz2wsx",
    "asdfghjk",
    "zxcvbnm1",
    "iloveyou",
    "letmein1",
    "welcome1",
    "welcome123",
    "admin123",
    "administrator",
    "changeme",
    "abc12345",
    "abcd1234",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "superman",
    "trustno1",
];

/// Why a new password is refused, or nothing: at least `MIN_PASSWORD_CHARS` characters besides
/// spaces, at most `MAX_PASSWORD_CHARS`, not one character repeated, not a common password and
/// not the operator's own email or its name part.
pub fn password_problem(password: &str, email: &super::Email) -> Option<String> {
    let chars = password.chars().count();
    let solid = password.chars().filter(|c| !c.is_whitespace()).count();
    let lower = password.trim().to_lowercase();
    let email = email.key();
    let local = email.split('@').next().unwrap_or_default();
    if solid < MIN_PASSWORD_CHARS {
        Some(format!(
            "the password needs at least {MIN_PASSWORD_CHARS} characters besides spaces"
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(format!(
            "the password may have at most {MAX_PASSWORD_CHARS} characters"
        ))
    } else if lower.chars().all(|c| lower.starts_with(c)) {
        Some("the password is one character over and over".into())
    } else if COMMON_PASSWORDS.contains(&lower.as_str()) {
        Some("the password is one of the first every guesser tries".into())
    } else if lower == email || lower == local {
        Some("the password is the email address".into())
    } else {
        None
    }
}
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operator {
    pub id: OperatorId,
    pub workspace: WorkspaceId,
    pub email: super::Email,
    pub name: String,
    pub role: Role,
    pub status: OperatorStatus,
    /// An argon2id PHC string; never leaves the server.
    pub password_hash: String,
    /// The groups they belong to besides "Everyone".
    #[serde(default)]
    pub groups: Vec<crate::ids::GroupId>,
    /// The rights those groups and "Everyone" give them, worked out when either changes.
    #[serde(default)]
    pub rights: super::Rights,
    /// A deactivated operator cannot sign in, and every session and socket of theirs is refused;
    /// operators stored before deactivation existed are active.
    #[serde(default = "active")]
    pub active: bool,
    /// Every session issued at or before this time is over: signing out everywhere, a password
    /// change or reset, a deactivation. 0: none was ended that way.
    #[serde(default)]
    pub sessions_ended_at: Millis,
    /// Sessions signed out one by one, until they would have expired anyway.
    #[serde(default)]
    pub signed_out: Vec<SignedOut>,
    /// Bumped by every change of the record but its status; a change that expects another version
    /// lost a race and is decided again.
    #[serde(default)]
    pub version: u64,
}

fn active() -> bool {
    true
}

/// One session signed out on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOut {
    pub session: String,
    pub issued_at: Millis,
    /// When the session's token expires: the entry is dropped after it.
    pub expires_at: Millis,
}

/// How many sessions signed out one by one an operator record remembers. Past it, the oldest are
/// folded into `sessions_ended_at`: sessions issued up to the newest of those end too (a sign-out
/// never ends less than it says), and the record stays small however often someone signs out.
pub const MAX_SIGNED_OUT: usize = 32;

/// A session as its token names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRef {
    /// The session's id: random, in the token.
    pub id: String,
    pub issued_at: Millis,
    pub expires_at: Millis,
}

impl Operator {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether they may do what `right` allows: admins may do everything.
    pub fn can(&self, right: super::Right) -> bool {
        self.is_admin() || self.rights.contains(right)
    }

    /// Every right they hold, as consoles are told.
    pub fn held_rights(&self) -> super::Rights {
        if self.is_admin() {
            super::Rights::all()
        } else {
            self.rights.clone()
        }
    }
    /// An admin who is active: the kind of which a workspace always keeps one.
    pub fn is_active_admin(&self) -> bool {
        self.active && self.is_admin()
    }

    /// Why a session issued at `issued_at` with this id is over, or nothing.
    pub fn session_problem(&self, session: &str, issued_at: Millis) -> Option<&'static str> {
        if !self.active {
            Some("this operator is deactivated")
        } else if issued_at <= self.sessions_ended_at
            || self.signed_out.iter().any(|s| s.session == session)
        {
            Some("this session was signed out; sign in again")
        } else {
            None
        }
    }

    /// Ends one session: remembered until it would have expired. Entries past their expiry are
    /// forgotten as this one is added.
    pub fn sign_out(&mut self, session: &SessionRef, now: Millis) {
        self.signed_out.retain(|s| s.expires_at > now);
        if session.expires_at <= now || self.signed_out.iter().any(|s| s.session == session.id) {
            return;
        }
        self.signed_out.push(SignedOut {
            session: session.id.clone(),
            issued_at: session.issued_at,
            expires_at: session.expires_at,
        });
        if self.signed_out.len() > MAX_SIGNED_OUT {
            self.signed_out.sort_by_key(|s| s.issued_at);
            let folded = self.signed_out.len() - MAX_SIGNED_OUT;
            let newest_folded = self.signed_out[folded - 1].issued_at;
            self.sessions_ended_at = self.sessions_ended_at.max(newest_folded);
            let ended = self.sessions_ended_at;
            self.signed_out.retain(|s| s.issued_at > ended);
        }
    }

    /// Ends every session issued so far (and so every ticket and socket opened with one).
    pub fn end_sessions(&mut self, now: Millis) {
        self.sessions_ended_at = self.sessions_ended_at.max(now);
        self.signed_out.clear();
    }
}

/// Whether `changed`, replacing its stored self in `team` (the workspace's operators as read),
/// leaves the workspace an active admin, and whose record vouches for it: the change is stored on
/// the condition that this other operator is still an active admin, so two admins demoting each
/// other at once cannot both succeed. `Ok(None)`: the change takes no active admin away.
pub fn admin_witness<'a>(
    team: &'a [Operator],
    changed: &Operator,
) -> Result<Option<&'a OperatorId>, super::DomainError> {
    let before = team.iter().find(|o| o.id == changed.id);
    if !before.is_some_and(Operator::is_active_admin) || changed.is_active_admin() {
        return Ok(None);
    }
    team.iter()
        .filter(|o| o.id != changed.id && o.is_active_admin())
        .map(|o| &o.id)
        .next()
        .map(Some)
        .ok_or(super::DomainError::LastAdmin)
}

/// Where a visitor came from, captured on first contact.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct VisitorSource {
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing_page: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm: Option<std::collections::BTreeMap<String, String>>,
}

/// The longest referrer or landing page kept: browsers' practical URL limit.
pub const MAX_SOURCE_URL_CHARS: usize = 2048;
/// How many `utm_*` values are kept, and how long each key and value may be.
pub const MAX_UTM_VALUES: usize = 10;
pub const MAX_UTM_KEY_CHARS: usize = 64;
pub const MAX_UTM_VALUE_CHARS: usize = 256;

impl VisitorSource {
    /// What is kept of it: each address cut to `MAX_SOURCE_URL_CHARS`, the first
    /// `MAX_UTM_VALUES` UTM values cut to their limits, blanks dropped. A page's address is the
    /// visitor's to send, so it is kept short rather than refused: the chat starts either way, and
    /// no visitor record grows past a few kilobytes.
    pub fn bounded(self) -> Self {
        let cut = |s: String, max: usize| -> String { s.chars().take(max).collect() };
        let url = |u: Option<String>| {
            u.map(|u| cut(u.trim().to_owned(), MAX_SOURCE_URL_CHARS))
                .filter(|u| !u.is_empty())
        };
        let utm = self.utm.map(|values| {
            values
                .into_iter()
                .map(|(k, v)| (cut(k, MAX_UTM_KEY_CHARS), cut(v, MAX_UTM_VALUE_CHARS)))
                .filter(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty())
                .take(MAX_UTM_VALUES)
                .collect::<std::collections::BTreeMap<_, _>>()
        });
        Self {
            referrer: url(self.referrer),
            landing_page: url(self.landing_page),
            utm: utm.filter(|u| !u.is_empty()),
        }
    }
}

/// A visitor of a site, and so a contact of the workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visitor {
    pub id: VisitorId,
    pub workspace: WorkspaceId,
    pub site: SiteKey,
    pub name: Option<String>,
    pub email: Option<super::Email>,
    #[serde(default)]
    pub phone: Option<super::Phone>,
    /// The visitor's dialog, once the first message created it.
    pub dialog: Option<DialogId>,
    /// The person the visitor is: set at their first dialog (`ContactId::of_visitor`, made then)
    /// or when their site vouches for them; visitors stored before contacts have none.
    #[serde(default)]
    pub contact: Option<crate::ids::ContactId>,
    pub source: VisitorSource,
    pub created_at: Millis,
    /// The page the visitor has open now, as the widget last reported it.
    #[serde(default)]
    pub current_page: Option<super::VisitedPage>,
}

impl Visitor {
    /// How operators see a visitor who has not said a name.
    pub fn display_name(&self) -> String {
        display_name(self.name.as_deref(), self.id.as_str())
    }
}

/// A person as operators see them: the name they gave, trimmed, else "Visitor" and the last four
/// characters of `id` (a visitor's, or a contact's made for one).
pub fn display_name(name: Option<&str>, id: &str) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
        _ => format!("Visitor {}", &id[id.len().saturating_sub(4)..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    #[test]
    fn a_password_needs_more_than_length() {
        let email = Email::operator("annakarenina@shop.example").unwrap();
        for weak in [
            "short",
            "        ",
            "  a b c d  ",
            "password",
            "PASSWORD",
            "12345678",
            "aaaaaaaaaa",
            "AnnaKarenina@Shop.Example",
            "AnnaKarenina",
        ] {
            assert!(
                password_problem(weak, &email).is_some(),
                "{weak:?} was taken"
            );
        }
        assert!(
            password_problem(&"x1".repeat(100), &email).is_some(),
            "too long"
        );
        assert!(
            password_problem(&"x1".repeat(64), &email).is_none(),
            "128 is the most"
        );
        assert!(password_problem("correct horse battery", &email).is_none());
        assert!(password_problem("password-123", &email).is_none());
    }

    #[test]
    fn a_visitors_source_is_kept_within_a_few_kilobytes() {
        let utm = (0..50)
            .map(|i| (format!("utm_{i}{}", "k".repeat(100)), "v".repeat(5000)))
            .collect();
        let source = VisitorSource {
            referrer: Some("https://a.example/".to_owned() + &"x".repeat(30_000)),
            landing_page: Some("   ".into()),
            utm: Some(utm),
        }
        .bounded();
        assert_eq!(
            source.referrer.as_ref().unwrap().chars().count(),
            MAX_SOURCE_URL_CHARS
        );
        assert_eq!(source.landing_page, None, "blank");
        let utm = source.utm.as_ref().unwrap();
        assert_eq!(utm.len(), MAX_UTM_VALUES);
        assert!(
            utm.iter()
                .all(|(k, v)| k.chars().count() <= MAX_UTM_KEY_CHARS
                    && v.chars().count() <= MAX_UTM_VALUE_CHARS)
        );
        assert!(serde_json::to_string(&source).unwrap().len() < 8 * 1024);
    }

    fn session(id: &str, issued_at: Millis) -> SessionRef {
        SessionRef {
            id: id.into(),
            issued_at,
            expires_at: issued_at + 100,
        }
    }

    #[test]
    fn a_session_ends_alone_everywhere_or_with_its_operator() {
        let mut anna =
            crate::domain::testing::operator("anna", Role::Operator, OperatorStatus::Online);
        let (a, b) = (session("ses_a", 10), session("ses_b", 20));
        assert_eq!(anna.session_problem(&a.id, a.issued_at), None);
        anna.sign_out(&a, 30);
        assert!(anna.session_problem(&a.id, a.issued_at).is_some());
        assert_eq!(
            anna.session_problem(&b.id, b.issued_at),
            None,
            "only that one"
        );
        anna.sign_out(&a, 31);
        assert_eq!(anna.signed_out.len(), 1, "signed out once");

        anna.sign_out(&session("ses_c", 40), 115);
        assert_eq!(
            anna.signed_out
                .iter()
                .map(|s| s.session.as_str())
                .collect::<Vec<_>>(),
            ["ses_c"],
            "an entry is forgotten once its session would have expired"
        );

        anna.end_sessions(50);
        assert!(anna.session_problem(&b.id, b.issued_at).is_some());
        assert!(
            anna.session_problem("ses_new", 50).is_some(),
            "issued at the instant it ended"
        );
        assert_eq!(anna.session_problem("ses_new", 51), None, "issued after");
        assert!(anna.signed_out.is_empty());

        anna.active = false;
        assert_eq!(
            anna.session_problem("ses_new", 51),
            Some("this operator is deactivated")
        );
    }

    #[test]
    fn signing_out_over_and_over_keeps_the_record_small_and_never_ends_less() {
        let mut anna =
            crate::domain::testing::operator("anna", Role::Operator, OperatorStatus::Online);
        let sessions: Vec<SessionRef> = (0..MAX_SIGNED_OUT as i64 + 5)
            .map(|i| session(&format!("ses_{i}"), 1000 + i))
            .collect();
        for s in &sessions {
            anna.sign_out(s, 1050);
        }
        assert!(anna.signed_out.len() <= MAX_SIGNED_OUT);
        for s in &sessions {
            assert!(
                anna.session_problem(&s.id, s.issued_at).is_some(),
                "{} was signed out",
                s.id
            );
        }
        assert_eq!(
            anna.session_problem("ses_later", 2000),
            None,
            "a later session is not"
        );
    }

    #[test]
    fn a_workspace_keeps_an_active_admin() {
        use crate::domain::testing::operator;
        let ada = operator("ada", Role::Admin, OperatorStatus::Online);
        let bob = operator("bob", Role::Admin, OperatorStatus::Online);
        let carl = operator("carl", Role::Operator, OperatorStatus::Online);
        let demoted = |o: &Operator| Operator {
            role: Role::Operator,
            ..o.clone()
        };
        let deactivated = |o: &Operator| Operator {
            active: false,
            ..o.clone()
        };
        let team = vec![ada.clone(), bob.clone(), carl.clone()];
        assert_eq!(admin_witness(&team, &demoted(&ada)), Ok(Some(&bob.id)));
        assert_eq!(admin_witness(&team, &deactivated(&bob)), Ok(Some(&ada.id)));
        assert_eq!(
            admin_witness(&team, &deactivated(&carl)),
            Ok(None),
            "not an admin"
        );
        let renamed = Operator {
            name: "Ada L.".into(),
            ..ada.clone()
        };
        assert_eq!(admin_witness(&team, &renamed), Ok(None), "still an admin");

        let alone = vec![ada.clone(), deactivated(&bob), carl.clone()];
        assert_eq!(
            admin_witness(&alone, &demoted(&ada)),
            Err(crate::domain::DomainError::LastAdmin),
            "a deactivated admin does not count"
        );
        assert_eq!(
            admin_witness(&alone, &deactivated(&ada)),
            Err(crate::domain::DomainError::LastAdmin)
        );
    }
}
