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
        Self { color: "#2563eb".into(), position: WidgetPosition::Right, greeting: String::new(), show_operator_names: true }
    }
}

impl SiteSettings {
    /// Checks what an admin sent: a colour the widget can put in CSS as is, a bounded greeting.
    pub fn validate(mut self) -> Result<Self, DomainError> {
        let c = self.color.trim();
        let hex = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if !hex {
            return Err(DomainError::Invalid("color must be #rrggbb".into()));
        }
        self.color = c.to_ascii_lowercase();
        self.greeting = self.greeting.trim().to_owned();
        if self.greeting.chars().count() > MAX_GREETING_CHARS {
            return Err(DomainError::Invalid("the greeting is over 500 characters".into()));
        }
        Ok(self)
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
        Self { key: s.key.clone(), name: s.name.clone(), allowed_origins: s.allowed_origins.clone(), settings: s.settings.clone() }
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
            return Err(DomainError::Invalid("the page url must be http or https".into()));
        }
        let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        let title = title.map(str::trim).filter(|t| !t.is_empty()).map(|t| cut(t, MAX_TITLE_CHARS));
        Ok(Self { url: cut(url, MAX_URL_CHARS), title, at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_must_be_hex_and_comes_back_lowercase() {
        let ok = SiteSettings { color: " #A0B1C2 ".into(), ..SiteSettings::default() }.validate().unwrap();
        assert_eq!(ok.color, "#a0b1c2");
        for bad in ["red", "#12345", "#1234567", "#12345g", "url(x)"] {
            assert!(SiteSettings { color: bad.into(), ..SiteSettings::default() }.validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_page_is_a_web_address_cut_to_its_limits() {
        assert!(VisitedPage::parse("javascript:alert(1)", None, 0).is_err());
        let p = VisitedPage::parse(&format!("https://shop.example/{}", "a".repeat(2000)), Some("  Cart  "), 5).unwrap();
        assert_eq!(p.url.chars().count(), 1000);
        assert_eq!(p.title.as_deref(), Some("Cart"));
        assert_eq!(VisitedPage::parse("http://x.example/", Some(" "), 0).unwrap().title, None);
    }

    #[test]
    fn a_long_greeting_is_refused() {
        let long = SiteSettings { greeting: "a".repeat(501), ..SiteSettings::default() };
        assert!(long.validate().is_err());
    }

    #[test]
    fn a_site_stored_without_settings_reads_with_the_defaults() {
        let s: SiteSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, SiteSettings::default());
    }
}
