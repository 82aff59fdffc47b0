//! How a workspace shares its dialogs out among its operators (seeds 001, 002, 004): who is
//! available, automatic distribution, hold and the reply-time limit.

use serde::{Deserialize, Serialize};

use super::{DomainError, OperatorStatus};

/// The reply-time limit's range: a minute to a week.
pub const REPLY_TIME_LIMIT_SECS: std::ops::RangeInclusive<u32> = 60..=7 * 24 * 3600;
/// How many active dialogs one operator may be given: 1 to 100.
pub const MAX_ACTIVE_CHATS: std::ops::RangeInclusive<u32> = 1..=100;
/// How long an operator may be without a console before their dialogs go back: 30 s to a day.
pub const HAND_BACK_AFTER_SECS: std::ops::RangeInclusive<u32> = 30..=24 * 3600;
/// How long closed dialogs may be kept before they are deleted: a day to ten years.
pub const DELETE_CLOSED_AFTER_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;

/// A workspace's settings for handling dialogs; workspaces stored before they existed get the
/// defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export_to = "protocol.ts")]
pub struct ChatHandling {
    /// The reply-time limit in seconds ("Time limits", seed 002): how long a visitor's first
    /// unanswered message may wait. Absent: no limit, and no processing order.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_time_limit_secs: Option<u32>,
    /// New dialogs are assigned automatically to an available operator with room (off: they ring
    /// for every available operator, who take them by joining).
    pub distribution: bool,
    /// How many active dialogs (open, in their charge) distribution gives one operator at most.
    pub max_active_chats: u32,
    /// Whether a dialog on hold counts against `max_active_chats`.
    pub held_counts_against_limit: bool,
    /// Seconds an operator may be without a connected console before their dialogs are handed
    /// back ("Anna left: offline"), so the visitor's next message rings again.
    pub hand_back_after_secs: u32,
    /// Retention: a dialog closed while this is set is deleted, with its messages, files and
    /// search entries, this many days after it closed (unless it reopens first). Absent: closed
    /// dialogs are kept. A change applies to dialogs closed after it.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_closed_after_days: Option<u32>,
}

impl Default for ChatHandling {
    fn default() -> Self {
        Self {
            reply_time_limit_secs: None,
            distribution: false,
            max_active_chats: 5,
            held_counts_against_limit: false,
            hand_back_after_secs: 300,
            delete_closed_after_days: None,
        }
    }
}

impl ChatHandling {
    /// Each number within its range, or which one is not and what it may be.
    pub fn validate(&self) -> Result<(), DomainError> {
        fn within(
            field: &str,
            value: u32,
            range: &std::ops::RangeInclusive<u32>,
        ) -> Result<(), DomainError> {
            if range.contains(&value) {
                return Ok(());
            }
            Err(DomainError::Invalid(format!(
                "{field} is {value}; it must be from {} to {}",
                range.start(),
                range.end()
            )))
        }
        if let Some(limit) = self.reply_time_limit_secs {
            within("reply_time_limit_secs", limit, &REPLY_TIME_LIMIT_SECS)?;
        }
        within("max_active_chats", self.max_active_chats, &MAX_ACTIVE_CHATS)?;
        if let Some(days) = self.delete_closed_after_days {
            within("delete_closed_after_days", days, &DELETE_CLOSED_AFTER_DAYS)?;
        }
        within(
            "hand_back_after_secs",
            self.hand_back_after_secs,
            &HAND_BACK_AFTER_SECS,
        )
    }
}

/// What colleagues see of an operator: the status they chose and whether a console of theirs is
/// connected. Only `Online` is available: rung, given dialogs, offered for transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "protocol.ts")]
pub enum Presence {
    /// Status Online and a console connected.
    Online,
    /// Status Away (whether or not a console is connected).
    Away,
    /// Status Offline.
    Offline,
    /// Status Online, but no console of theirs is connected.
    NoConsole,
}

impl Presence {
    pub const ALL: [Presence; 4] = [
        Presence::Online,
        Presence::Away,
        Presence::Offline,
        Presence::NoConsole,
    ];

    pub fn of(status: OperatorStatus, has_console: bool) -> Self {
        match status {
            OperatorStatus::Online if has_console => Self::Online,
            OperatorStatus::Online => Self::NoConsole,
            OperatorStatus::Away => Self::Away,
            OperatorStatus::Offline => Self::Offline,
        }
    }

    pub fn is_available(self) -> bool {
        self == Self::Online
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
            Self::NoConsole => "no_console",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_held_to_their_ranges() {
        assert_eq!(ChatHandling::default().validate(), Ok(()));
        let with = |f: fn(&mut ChatHandling)| {
            let mut h = ChatHandling::default();
            f(&mut h);
            h.validate()
        };
        assert_eq!(with(|h| h.reply_time_limit_secs = Some(60)), Ok(()));
        assert_eq!(with(|h| h.reply_time_limit_secs = Some(7 * 86400)), Ok(()));
        assert_eq!(
            with(|h| h.reply_time_limit_secs = Some(59)),
            Err(DomainError::Invalid(
                "reply_time_limit_secs is 59; it must be from 60 to 604800".into()
            ))
        );
        assert!(with(|h| h.reply_time_limit_secs = Some(7 * 86400 + 1)).is_err());
        assert!(with(|h| h.max_active_chats = 0).is_err());
        assert!(with(|h| h.max_active_chats = 101).is_err());
        assert_eq!(with(|h| h.max_active_chats = 100), Ok(()));
        assert!(with(|h| h.hand_back_after_secs = 29).is_err());
        assert!(with(|h| h.hand_back_after_secs = 86401).is_err());
        assert_eq!(with(|h| h.hand_back_after_secs = 30), Ok(()));
        assert!(with(|h| h.delete_closed_after_days = Some(0)).is_err());
        assert!(with(|h| h.delete_closed_after_days = Some(3651)).is_err());
        assert_eq!(with(|h| h.delete_closed_after_days = Some(30)), Ok(()));
    }

    #[test]
    fn only_online_with_a_console_is_available() {
        assert_eq!(Presence::of(OperatorStatus::Online, true), Presence::Online);
        assert_eq!(
            Presence::of(OperatorStatus::Online, false),
            Presence::NoConsole
        );
        assert_eq!(Presence::of(OperatorStatus::Away, true), Presence::Away);
        assert_eq!(
            Presence::of(OperatorStatus::Offline, true),
            Presence::Offline
        );
        let available: Vec<_> = Presence::ALL
            .into_iter()
            .filter(|p| p.is_available())
            .collect();
        assert_eq!(available, [Presence::Online]);
        for p in Presence::ALL {
            assert_eq!(Presence::parse(p.as_str()), Some(p));
        }
    }
}
