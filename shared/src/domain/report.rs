//! Reports (seed 001): how long each operator spent in each presence state, and the KPIs of the
//! dialogs they closed. Figures are counters kept per workspace, UTC day and operator, each event
//! adding to them as it happens, so that a report reads O(days × operators) counters and never
//! walks dialogs. Pure: the use-case (`app::Reports`) reads and adds them.

use serde::{Deserialize, Serialize};

use super::{Dialog, Millis, Presence};

const DAY_MS: Millis = 24 * 3600 * 1000;

/// A UTC day, as days since 1970-01-01; written `YYYY-MM-DD`, which sorts as the days do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    pub fn of(at: Millis) -> Self {
        Self(at.div_euclid(DAY_MS))
    }

    /// When the day starts.
    pub fn start(self) -> Millis {
        self.0 * DAY_MS
    }

    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// How many days from `self` to `to`, both included (0 when `to` is before).
    pub fn days_to(self, to: Day) -> u64 {
        u64::try_from(to.0 - self.0 + 1).unwrap_or(0)
    }

    /// Each day from `self` to `to`, both included.
    pub fn through(self, to: Day) -> impl Iterator<Item = Day> {
        (self.0..=to.0).map(Day)
    }

    /// `YYYY-MM-DD`, a real date of the years 1970 to 9999; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let b = raw.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<i64> {
            b[r].iter().try_fold(0i64, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
            })
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        if y < 1970 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        Some(Self(days_from_civil(y, m, d)))
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The milliseconds from `from` to `to` that fall on each UTC day, oldest first; nothing when
/// `to` is not after `from`.
pub fn split_by_day(from: Millis, to: Millis) -> Vec<(Day, u64)> {
    let mut parts = Vec::new();
    let mut at = from;
    while at < to {
        let day = Day::of(at);
        let end = day.next().start().min(to);
        parts.push((day, (end - at) as u64));
        at = end;
    }
    parts
}

/// One operator's counters for one day (or their sums over a period or a team). Times are in
/// milliseconds; an average is its sum over its count (`Figures::average`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export_to = "protocol.ts")]
pub struct Figures {
    /// Time with presence online (status Online and a console connected).
    #[ts(type = "number")]
    pub online_ms: u64,
    #[ts(type = "number")]
    pub away_ms: u64,
    #[ts(type = "number")]
    pub offline_ms: u64,
    /// Time with status Online but no console connected.
    #[ts(type = "number")]
    pub no_console_ms: u64,
    /// Dialogs closed while this operator was in charge (or closed by them when nobody was).
    #[ts(type = "number")]
    pub closed: u64,
    /// Summed over `closed`: from the dialog's start (or its last reopening) to its close.
    #[ts(type = "number")]
    pub resolution_ms: u64,
    /// First replies: an operator's first reply since the dialog started or reopened, to a
    /// visitor who wrote first.
    #[ts(type = "number")]
    pub first_responses: u64,
    /// Summed over `first_responses`: from the visitor's first message to that reply.
    #[ts(type = "number")]
    pub first_response_ms: u64,
    /// Replies to a waiting visitor.
    #[ts(type = "number")]
    pub replies: u64,
    /// Summed over `replies`: from the visitor's first unanswered message to the reply.
    #[ts(type = "number")]
    pub reply_ms: u64,
    /// Replies later than the workspace's reply-time limit, and dialogs closed with the visitor
    /// unanswered.
    #[ts(type = "number")]
    pub missed: u64,
    /// Dialogs that waited in the queue (automatic distribution, everyone full), counted when the
    /// queue gave them to this operator.
    #[ts(type = "number")]
    pub queued: u64,
    /// Summed over `queued`: how long each waited in the queue.
    #[ts(type = "number")]
    pub queue_ms: u64,
}

impl Figures {
    /// Every counter by its stored name, the stores' one list of them.
    pub fn counters(&self) -> [(&'static str, u64); 13] {
        [
            ("online_ms", self.online_ms),
            ("away_ms", self.away_ms),
            ("offline_ms", self.offline_ms),
            ("no_console_ms", self.no_console_ms),
            ("closed", self.closed),
            ("resolution_ms", self.resolution_ms),
            ("first_responses", self.first_responses),
            ("first_response_ms", self.first_response_ms),
            ("replies", self.replies),
            ("reply_ms", self.reply_ms),
            ("missed", self.missed),
            ("queued", self.queued),
            ("queue_ms", self.queue_ms),
        ]
    }

    /// Adds `value` to the counter of this stored name; an unknown name (a counter of a newer
    /// version) is ignored.
    pub fn add_counter(&mut self, name: &str, value: u64) {
        let slot = match name {
            "online_ms" => &mut self.online_ms,
            "away_ms" => &mut self.away_ms,
            "offline_ms" => &mut self.offline_ms,
            "no_console_ms" => &mut self.no_console_ms,
            "closed" => &mut self.closed,
            "resolution_ms" => &mut self.resolution_ms,
            "first_responses" => &mut self.first_responses,
            "first_response_ms" => &mut self.first_response_ms,
            "replies" => &mut self.replies,
            "reply_ms" => &mut self.reply_ms,
            "missed" => &mut self.missed,
            "queued" => &mut self.queued,
            "queue_ms" => &mut self.queue_ms,
            _ => return,
        };
        *slot = slot.saturating_add(value);
    }

    pub fn add(&mut self, other: &Figures) {
        for (name, value) in other.counters() {
            self.add_counter(name, value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counters().iter().all(|(_, v)| *v == 0)
    }

    /// `ms` spent in `presence`.
    pub fn time_in(presence: Presence, ms: u64) -> Self {
        let mut f = Self::default();
        match presence {
            Presence::Online => f.online_ms = ms,
            Presence::Away => f.away_ms = ms,
            Presence::Offline => f.offline_ms = ms,
            Presence::NoConsole => f.no_console_ms = ms,
        }
        f
    }

    /// A sum over its count, in whole milliseconds; `None` for no count.
    pub fn average(sum: u64, count: u64) -> Option<u64> {
        (count > 0).then(|| sum / count)
    }
}

/// What an operator's reply measures, from the dialog as it was before the reply.
pub fn reply_figures(before: &Dialog, now: Millis, limit_secs: Option<u32>) -> Figures {
    let Some(waiting_since) = before.waiting_since else {
        return Figures::default();
    };
    let waited = (now - waiting_since).max(0) as u64;
    let mut f = Figures {
        replies: 1,
        reply_ms: waited,
        ..Figures::default()
    };
    if before.first_reply_at.is_none() {
        f.first_responses = 1;
        f.first_response_ms = waited;
    }
    if limit_secs.is_some_and(|secs| waited > u64::from(secs) * 1000) {
        f.missed = 1;
    }
    f
}

/// What a dialog's leaving the queue measures: one queued dialog and how long it waited.
pub fn queue_figures(queued_since: Millis, now: Millis) -> Figures {
    Figures {
        queued: 1,
        queue_ms: (now - queued_since).max(0) as u64,
        ..Figures::default()
    }
}

/// What closing a dialog measures, from the dialog as it was before the close.
pub fn close_figures(before: &Dialog, now: Millis) -> Figures {
    let opened = before.opened_at.unwrap_or(before.created_at);
    Figures {
        closed: 1,
        resolution_ms: (now - opened).max(0) as u64,
        missed: u64::from(before.waiting_since.is_some()),
        ..Figures::default()
    }
}

/// The presence state an operator is in since `since`: the one item kept per operator to measure
/// time in each state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceMark {
    pub presence: Presence,
    pub since: Millis,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing;

    #[test]
    fn days_are_written_and_read_as_dates() {
        for raw in [
            "1970-01-01",
            "2024-02-29",
            "2026-12-04",
            "2000-03-01",
            "9999-12-31",
        ] {
            let day = Day::parse(raw).unwrap();
            assert_eq!(day.to_string(), raw);
        }
        assert_eq!(Day::parse("1970-01-02").unwrap().start(), DAY_MS);
        assert_eq!(Day::of(1_700_000_000_000).to_string(), "2023-11-14");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "24-01-01",
            "2024-1-01",
            "1969-12-31",
            "2024-01-32",
            "２０２４-01-01",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        let from = Day::parse("2024-02-27").unwrap();
        let to = Day::parse("2024-03-01").unwrap();
        assert_eq!(from.days_to(to), 4);
        assert_eq!(to.days_to(from), 0);
        let days: Vec<_> = from.through(to).map(|d| d.to_string()).collect();
        assert_eq!(
            days,
            ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]
        );
    }

    #[test]
    fn time_is_split_across_utc_days() {
        let day = Day::parse("2026-12-04").unwrap();
        let at = day.start() + 23 * 3600 * 1000;
        // From 23:00 to 01:30 two days later.
        let parts = split_by_day(at, day.next().next().start() + 90 * 60 * 1000);
        assert_eq!(
            parts,
            [
                (day, 3600 * 1000),
                (day.next(), DAY_MS as u64),
                (day.next().next(), 90 * 60 * 1000)
            ]
        );
        assert_eq!(split_by_day(at, at + 5), [(day, 5)]);
        assert!(split_by_day(at, at).is_empty());
        assert!(split_by_day(at, at - 1).is_empty());
        assert_eq!(
            split_by_day(day.start() - 1, day.start() + 1),
            [(Day::of(day.start() - 1), 1), (day, 1)]
        );
    }

    #[test]
    fn a_reply_measures_the_wait_and_the_first_response() {
        let mut d = testing::waiting_dialog(&testing::visitor());
        d.waiting_since = None;
        d.waiting_since = Some(1_000);
        let f = reply_figures(&d, 31_000, Some(60));
        assert_eq!(
            f,
            Figures {
                replies: 1,
                reply_ms: 30_000,
                first_responses: 1,
                first_response_ms: 30_000,
                ..Figures::default()
            }
        );
        // A later reply, past a 20 s limit: missed, and no first response again.
        d.first_reply_at = Some(31_000);
        d.waiting_since = Some(40_000);
        let f = reply_figures(&d, 70_000, Some(20));
        assert_eq!(
            (f.replies, f.reply_ms, f.first_responses, f.missed),
            (1, 30_000, 0, 1)
        );
        // Exactly at the limit is in time; without a limit nothing is missed.
        assert_eq!(reply_figures(&d, 60_000, Some(20)).missed, 0);
        assert_eq!(reply_figures(&d, 900_000, None).missed, 0);
        // Nobody waiting: the reply measures nothing.
        d.waiting_since = None;
        assert!(reply_figures(&d, 70_000, Some(20)).is_empty());
    }

    #[test]
    fn a_close_measures_resolution_from_the_last_opening() {
        let mut d = testing::waiting_dialog(&testing::visitor());
        d.waiting_since = None;
        d.created_at = 1_000;
        let f = close_figures(&d, 11_000);
        assert_eq!((f.closed, f.resolution_ms, f.missed), (1, 10_000, 0));
        d.opened_at = Some(5_000);
        d.waiting_since = Some(9_000);
        let f = close_figures(&d, 11_000);
        assert_eq!((f.closed, f.resolution_ms, f.missed), (1, 6_000, 1));
    }

    #[test]
    fn a_reopening_starts_the_resolution_and_the_first_response_again() {
        use crate::domain::{OperatorStatus, Role};
        use crate::ids::ClientMessageId;
        let vera = testing::visitor();
        let anna = testing::operator("Anna", Role::Operator, OperatorStatus::Online);
        let id = |c: &str| ClientMessageId::parse(c).unwrap();
        // Vera wrote at 2; Anna answers at 10: the first response took 8.
        let mut d = testing::waiting_dialog(&vera);
        d.join(&anna, 5).unwrap();
        let before = d.clone();
        d.operator_message(&anna, id("a1"), "hello", None, 10)
            .unwrap();
        assert_eq!(reply_figures(&before, 10, None).first_response_ms, 8);
        assert_eq!(d.first_reply_at, Some(10));
        d.close(&anna, 20).unwrap();
        assert_eq!(
            close_figures(&before, 20).resolution_ms,
            19,
            "from its start at 1"
        );
        // Vera writes again at 30: it reopens, and Anna's answer at 45 is a first response again.
        d.visitor_message(&vera, id("v2"), "one more thing", None, 30)
            .unwrap();
        assert_eq!(
            (d.opened_at, d.first_reply_at, d.waiting_since),
            (Some(30), None, Some(30))
        );
        let f = reply_figures(&d, 45, None);
        assert_eq!((f.first_responses, f.first_response_ms), (1, 15));
        assert_eq!(
            close_figures(&d, 50).resolution_ms,
            20,
            "from its reopening at 30"
        );
    }

    #[test]
    fn figures_add_up_and_average() {
        let mut team = Figures::default();
        team.add(&Figures {
            replies: 2,
            reply_ms: 3_000,
            ..Figures::time_in(Presence::Away, 5)
        });
        team.add(&Figures {
            replies: 1,
            reply_ms: 3_000,
            ..Figures::time_in(Presence::Away, 7)
        });
        assert_eq!((team.away_ms, team.replies, team.reply_ms), (12, 3, 6_000));
        assert_eq!(Figures::average(team.reply_ms, team.replies), Some(2_000));
        assert_eq!(Figures::average(5, 0), None);
        let mut again = Figures::default();
        for (name, value) in team.counters() {
            again.add_counter(name, value);
        }
        again.add_counter("a_counter_of_a_newer_version", 9);
        assert_eq!(again, team);
    }
}
