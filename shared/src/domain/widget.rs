//! How a site's widget looks and greets: per-site settings the widget reads before it shows.

use serde::{Deserialize, Serialize};

use super::DomainError;

/// The longest greeting a site may show above the composer.
pub const MAX_GREETING_CHARS: usize = 500;

/// Which bottom corner the launcher bubble sits in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum WidgetPosition {
    #[default]
    Right,
    Left,
}

/// A site's widget settings; every field has a default, so sites stored before they existed read fine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export_to = "protocol.ts")]
pub struct SiteSettings {
    /// `#rrggbb`: the bubble and the visitor's own messages.
    pub color: String,
    pub position: WidgetPosition,
    /// Shown first in an empty dialog; empty for the widget's own words in the visitor's language.
    pub greeting: String,
    /// Whether the visitor sees the operator's name on replies and in "… is typing".
    pub show_operator_names: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            color: "#2563eb".into(),
            position: WidgetPosition::Right,
            greeting: String::new(),
            show_operator_names: true,
        }
    }
}

impl SiteSettings {
    /// Checks what an admin sent: a colour the widget can put in CSS as is, a bounded greeting.
    pub fn validate(mut self) -> Result<Self, DomainError> {
        let c = self.color.trim();
        let hex =
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if !hex {
            return Err(DomainError::Invalid("color must be #rrggbb".into()));
        }
        self.color = c.to_ascii_lowercase();
        self.greeting = self.greeting.trim().to_owned();
        if self.greeting.chars().count() > MAX_GREETING_CHARS {
            return Err(DomainError::Invalid(
                "the greeting is over 500 characters".into(),
            ));
        }
        Ok(self)
    }
}

/// The most origins one site may list: a site embeds the widget on a few domains, not hundreds.
pub const MAX_ALLOWED_ORIGINS: usize = 20;

/// The longest host name DNS allows: an allowed origin's host is no longer (it ends up in headers).
pub const MAX_HOST_CHARS: usize = 253;

/// The schemes an allowed origin may have, each with the port it means when none is given (a
/// browser leaves that port out of `Origin`, so it is left out here too).
pub const ORIGIN_SCHEMES: [(&str, u16); 2] = [("http", 80), ("https", 443)];

/// Checks the origins an admin lets the widget run on, and gives them in the one form a browser
/// sends as `Origin` (`https://shop.example`, `http://localhost:8080`): lower-case, no default
/// port, each once. They end up in the frame's CSP `frame-ancestors`, so only a scheme, a host and
/// a port get through. An empty list means any origin.
/// A comma-separated list of origins, as the `PARLOR_*_ORIGINS` variables hold them, checked as
/// `parse_allowed_origins` checks an admin's list.
pub fn parse_origin_list(list: &str) -> Result<Vec<String>, DomainError> {
    let origins: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect();
    parse_allowed_origins(&origins)
}

pub fn parse_allowed_origins(origins: &[String]) -> Result<Vec<String>, DomainError> {
    let mut kept: Vec<String> = Vec::new();
    for raw in origins {
        let origin = parse_origin(raw)?;
        if !kept.contains(&origin) {
            kept.push(origin);
        }
    }
    if kept.len() > MAX_ALLOWED_ORIGINS {
        return Err(DomainError::Invalid(format!(
            "at most {MAX_ALLOWED_ORIGINS} allowed origins"
        )));
    }
    Ok(kept)
}

fn parse_origin(raw: &str) -> Result<String, DomainError> {
    let shown = super::quote(raw);
    let bad = |why: &str| DomainError::Invalid(format!("the origin {shown} {why}"));
    let lower = raw.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return Err(DomainError::Invalid("an allowed origin is empty".into()));
    }
    let (scheme, rest) = lower
        .split_once("://")
        .ok_or_else(|| bad("is not scheme://host, like https://shop.example"))?;
    let default_port = match ORIGIN_SCHEMES.iter().find(|(known, _)| *known == scheme) {
        Some((_, port)) => port.to_string(),
        None => return Err(bad("must start with http:// or https://")),
    };
    // A trailing slash is how browsers show an address; anything past it is a path.
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return Err(bad(
            "has a path, query or fragment: give only scheme://host[:port]",
        ));
    }
    if authority.contains('@') {
        return Err(bad("has a user name in it"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.contains(']') => (host, Some(port)),
        _ => (authority, None),
    };
    if host.len() > MAX_HOST_CHARS {
        return Err(bad(&format!(
            "has a host name over {MAX_HOST_CHARS} characters, longer than any can be"
        )));
    }
    let label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let ipv6 = host.len() > 2
        && host.starts_with('[')
        && host.ends_with(']')
        && host[1..host.len() - 1]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    if !ipv6 && !host.split('.').all(label) {
        return Err(bad(
            "has no valid host name (non-ASCII names go in their xn-- form)",
        ));
    }
    match port {
        None => Ok(format!("{scheme}://{host}")),
        Some(p) if p == default_port => Ok(format!("{scheme}://{host}")),
        // Digits only: Rust's integer parser would also take a leading '+', which no browser sends.
        Some(p)
            if p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n > 0)
                && !p.starts_with('0') =>
        {
            Ok(format!("{scheme}://{host}:{p}"))
        }
        Some(_) => Err(bad("has a port that is not 1 to 65535")),
    }
}

/// A site as the widget reads it (`GET /api/sites/{key}`): never its workspace.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct SiteView {
    pub key: crate::ids::SiteKey,
    pub name: String,
    /// Origins the widget may run on; empty means any.
    pub allowed_origins: Vec<String>,
    pub settings: SiteSettings,
}

impl From<&super::Site> for SiteView {
    fn from(s: &super::Site) -> Self {
        Self {
            key: s.key.clone(),
            name: s.name.clone(),
            allowed_origins: s.allowed_origins.clone(),
            settings: s.settings.clone(),
        }
    }
}

/// Longest page address and title kept; longer ones are cut, not refused.
const MAX_URL_CHARS: usize = 1000;
const MAX_TITLE_CHARS: usize = 200;

/// The page a visitor has open, as the widget reports it on each page view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct VisitedPage {
    pub url: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When the widget reported it (server time).
    #[ts(type = "number")]
    #[serde(default)]
    pub at: super::Millis,
}

impl VisitedPage {
    /// Only web pages: an `http(s)` address; the title trimmed, both cut to their limits.
    pub fn parse(url: &str, title: Option<&str>, at: super::Millis) -> Result<Self, DomainError> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(DomainError::Invalid(
                "the page url must be http or https".into(),
            ));
        }
        let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        let title = title
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| cut(t, MAX_TITLE_CHARS));
        Ok(Self {
            url: cut(url, MAX_URL_CHARS),
            title,
            at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_must_be_hex_and_comes_back_lowercase() {
        let ok = SiteSettings {
            color: " #A0B1C2 ".into(),
            ..SiteSettings::default()
        }
        .validate()
        .unwrap();
        assert_eq!(ok.color, "#a0b1c2");
        for bad in ["red", "#12345", "#1234567", "#12345g", "url(x)"] {
            assert!(
                SiteSettings {
                    color: bad.into(),
                    ..SiteSettings::default()
                }
                .validate()
                .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_page_is_a_web_address_cut_to_its_limits() {
        assert!(VisitedPage::parse("javascript:alert(1)", None, 0).is_err());
        let p = VisitedPage::parse(
            &format!("https://shop.example/{}", "a".repeat(2000)),
            Some("  Cart  "),
            5,
        )
        .unwrap();
        assert_eq!(p.url.chars().count(), 1000);
        assert_eq!(p.title.as_deref(), Some("Cart"));
        assert_eq!(
            VisitedPage::parse("http://x.example/", Some(" "), 0)
                .unwrap()
                .title,
            None
        );
    }

    #[test]
    fn an_origin_is_kept_in_the_form_a_browser_sends() {
        let given: Vec<String> = [
            " HTTPS://Shop.Example/ ",
            "https://shop.example",
            "http://localhost:8080",
            "https://a.example:443",
            "http://[::1]:3000",
        ]
        .map(String::from)
        .to_vec();
        let kept = parse_allowed_origins(&given).unwrap();
        assert_eq!(
            kept,
            [
                "https://shop.example",
                "http://localhost:8080",
                "https://a.example",
                "http://[::1]:3000"
            ]
        );
        assert!(parse_allowed_origins(&[]).unwrap().is_empty());
    }

    #[test]
    fn origin_lists_drop_blanks_spaces_and_trailing_slashes() {
        let list = parse_origin_list(" https://chat.example.com/ ,,http://localhost:8080").unwrap();
        assert_eq!(list, ["https://chat.example.com", "http://localhost:8080"]);
        assert!(parse_origin_list(" , ").unwrap().is_empty());
        assert!(
            parse_origin_list("https://chat.example.com, not an origin").is_err(),
            "one bad origin refuses the list"
        );
    }

    #[test]
    fn an_origin_with_anything_but_scheme_host_and_port_is_refused() {
        for bad in [
            "",
            "shop.example",
            "ftp://shop.example",
            "javascript://x",
            "https://",
            "https://shop.example/path",
            "https://shop.example?q=1",
            "https://shop.example#top",
            "https://user@shop.example",
            "https://shop.example:0",
            "https://shop.example:70000",
            "https://shop.example:8o",
            "https://shop.example:+80",
            "https://shop.example:+443",
            "https://shop..example",
            "https://-shop.example",
            "https://shop.example; script-src *",
            "https://магазин.example",
            "*",
        ] {
            assert!(
                parse_allowed_origins(&[bad.to_owned()]).is_err(),
                "{bad:?} was taken"
            );
        }
    }

    #[test]
    fn an_origin_is_no_longer_than_a_host_name_can_be() {
        let label = "a".repeat(63);
        let longest = format!("{label}.{label}.{label}.{}", "b".repeat(61));
        assert_eq!(longest.len(), MAX_HOST_CHARS);
        assert!(parse_allowed_origins(&[format!("https://{longest}")]).is_ok());
        let err = parse_allowed_origins(&[format!("https://{longest}x:8443")]).unwrap_err();
        assert!(err.to_string().contains("253"), "{err}");
        let huge = format!("https://{}", "a.".repeat(100_000));
        assert!(parse_allowed_origins(&[huge]).is_err());
    }

    #[test]
    fn at_most_twenty_origins_after_repeats_go() {
        let twenty: Vec<String> = (0..20).map(|i| format!("https://s{i}.example")).collect();
        let mut repeated = twenty.clone();
        repeated.push("https://S0.example".into());
        assert_eq!(parse_allowed_origins(&repeated).unwrap().len(), 20);
        let mut over = twenty;
        over.push("https://s20.example".into());
        assert!(parse_allowed_origins(&over).is_err());
    }

    #[test]
    fn a_long_greeting_is_refused() {
        let long = SiteSettings {
            greeting: "a".repeat(501),
            ..SiteSettings::default()
        };
        assert!(long.validate().is_err());
    }

    #[test]
    fn a_site_stored_without_settings_reads_with_the_defaults() {
        let s: SiteSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, SiteSettings::default());
    }
}
