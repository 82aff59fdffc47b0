//! How a workspace shares its dialogs out among its operators (seeds 001, 002, 004): who is
//! available, automatic distribution, hold and the reply-time limit.

use serde::{Deserialize, Serialize};

use super::OperatorStatus;

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
}

impl Default for ChatHandling {
    fn default() -> Self {
        Self {
            reply_time_limit_secs: None,
            distribution: false,
            max_active_chats: 5,
            held_counts_against_limit: false,
            hand_back_after_secs: 300,
        }
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
