//! How often things may happen: the numbers (each one tunable, `Limits::parse`) and the arithmetic
//! of windows, growing delays and lockouts. Pure: counts and times come in as arguments; the
//! counters themselves live in the store (`ports::LimitStore`), so the limits hold across every
//! Lambda instance.

use super::Millis;

const SECOND: Millis = 1000;
const MINUTE: Millis = 60 * SECOND;

/// At most `max` events in a window of `per`. A `max` of 0 turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub max: u64,
    pub per: Millis,
}

impl Rate {
    pub fn on(self) -> bool {
        self.max > 0 && self.per > 0
    }

    /// The window of fixed length that holds `now`, as its number since the epoch and its end:
    /// a counter keyed by the number is never found again once the window is over.
    pub fn aligned(self, now: Millis) -> (i64, Millis) {
        let index = now.div_euclid(self.per.max(1));
        (index, (index + 1) * self.per.max(1))
    }

    /// Whether the `count`-th event of a window (this one included) is over the limit.
    pub fn exceeded_by(self, count: u64) -> bool {
        self.on() && count > self.max
    }
}

/// Sign-in attempts of one account, or failures from one address: the first `free` cost nothing;
/// each one after them must wait longer after the one before (`first_delay`, then twice that,
/// and so on up to `max_delay`); from `lockout_after` on, every attempt is refused, a right
/// password too, until the window ends. A window starts with its first counted attempt and lasts
/// `window`: at most `lockout_after` attempts per window get through. 0 turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u64,
    pub lockout_after: u64,
    pub window: Millis,
    pub first_delay: Millis,
    pub max_delay: Millis,
}

impl Backoff {
    pub fn on(self) -> bool {
        self.lockout_after > 0 && self.window > 0
    }

    /// The wait between the `counted`-th attempt and the next one: none for the free ones, then
    /// `first_delay`, doubling with each further attempt, never more than `max_delay`.
    pub fn delay_after(self, counted: u64) -> Millis {
        if counted < self.free.max(1) {
            return 0;
        }
        let doublings = u32::try_from(counted - self.free.max(1)).unwrap_or(u32::MAX);
        let delay = self
            .first_delay
            .checked_mul(1i64.checked_shl(doublings.min(62)).unwrap_or(i64::MAX))
            .unwrap_or(Millis::MAX);
        delay.min(self.max_delay.max(self.first_delay))
    }

    /// How long the next attempt must still wait at `now`, when `counted` attempts were counted in
    /// the window that ends at `ends_at`, the latest at `last_at`; `None` when it may go now.
    pub fn wait(
        self,
        counted: u64,
        last_at: Millis,
        ends_at: Millis,
        now: Millis,
    ) -> Option<Millis> {
        if !self.on() || counted == 0 || ends_at <= now {
            return None;
        }
        if counted >= self.lockout_after {
            return Some(ends_at - now);
        }
        let allowed_at = last_at.saturating_add(self.delay_after(counted));
        (allowed_at > now).then(|| (allowed_at - now).min(ends_at - now))
    }
}

/// Every limit, with defaults meant for a real site. `PARLOR_LIMITS` tunes them
/// (`Limits::parse`; docs/security.md lists each one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sign-in attempts per account (its email, normalized), counted before the password is
    /// checked; a right password clears the count.
    pub sign_in_account: Backoff,
    /// Failed sign-ins per client address, whatever the accounts.
    pub sign_in_address: Backoff,
    /// New visitor sessions per client address (a kept token renewed is not new).
    pub visitor_sessions: Rate,
    /// Messages (and whispers) per sender, visitor or operator.
    pub messages_per_second: Rate,
    pub messages_per_minute: Rate,
    /// Open sockets per visitor (over all their tabs); 0: any number.
    pub sockets_per_visitor: u64,
    /// Sockets a visitor may open: bounds a burst that the count of open ones, read from an
    /// eventually consistent index in DynamoDB, could miss.
    pub socket_opens: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        let backoff = |free, lockout_after| Backoff {
            free,
            lockout_after,
            window: 15 * MINUTE,
            first_delay: SECOND,
            max_delay: MINUTE,
        };
        Self {
            sign_in_account: backoff(5, 10),
            sign_in_address: backoff(20, 100),
            visitor_sessions: Rate {
                max: 30,
                per: 10 * MINUTE,
            },
            messages_per_second: Rate {
                max: 5,
                per: SECOND,
            },
            messages_per_minute: Rate {
                max: 60,
                per: MINUTE,
            },
            sockets_per_visitor: 10,
            socket_opens: Rate {
                max: 30,
                per: MINUTE,
            },
        }
    }
}

/// The names `Limits::parse` takes, each with what it sets: docs/security.md lists the same.
pub const LIMIT_NAMES: &[(&str, &str)] = &[
    (
        "sign_in_free",
        "sign-in attempts per account before each must wait",
    ),
    (
        "sign_in_lockout",
        "sign-in attempts per account that lock it until its window ends",
    ),
    (
        "sign_in_ip_free",
        "failed sign-ins per address before each must wait",
    ),
    (
        "sign_in_ip_lockout",
        "failed sign-ins per address that lock it until its window ends",
    ),
    (
        "sign_in_window",
        "how long sign-in attempts are counted, from the first",
    ),
    (
        "sign_in_delay",
        "the first wait; each further attempt waits twice as long",
    ),
    ("sign_in_max_delay", "the longest wait before a lockout"),
    (
        "visitor_sessions_per_ip",
        "new visitor sessions per address, N/duration",
    ),
    ("messages_per_second", "messages per sender in one second"),
    ("messages_per_minute", "messages per sender in one minute"),
    ("sockets_per_visitor", "open sockets per visitor"),
    (
        "socket_opens_per_visitor",
        "sockets a visitor may open, N/duration",
    ),
];

impl Limits {
    /// No limit at all: for benchmarks that measure the system flat out.
    pub fn off() -> Self {
        let off = |b: Backoff| Backoff {
            free: 0,
            lockout_after: 0,
            ..b
        };
        let d = Self::default();
        Self {
            sign_in_account: off(d.sign_in_account),
            sign_in_address: off(d.sign_in_address),
            visitor_sessions: Rate {
                max: 0,
                ..d.visitor_sessions
            },
            messages_per_second: Rate {
                max: 0,
                ..d.messages_per_second
            },
            messages_per_minute: Rate {
                max: 0,
                ..d.messages_per_minute
            },
            sockets_per_visitor: 0,
            socket_opens: Rate {
                max: 0,
                ..d.socket_opens
            },
        }
    }

    /// The defaults with the changes `spec` names: `off`, or comma-separated `name=value`, where
    /// a value is a count (`5`; 0 turns that limit off), a duration (`1500ms`, `30s`, `15m`, `1h`)
    /// or, for the per-address and per-visitor rates, `count/duration` (`30/10m`) or 0.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("off") {
            return Ok(Self::off());
        }
        let mut l = Self::default();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, value) = entry
                .split_once('=')
                .map(|(n, v)| (n.trim(), v.trim()))
                .ok_or_else(|| format!("{entry:?} is not name=value"))?;
            let bad = |why: &str| format!("{name}={value:?}: {why}");
            let count = || value.parse::<u64>().map_err(|_| bad("not a count"));
            let duration = || parse_duration(value).ok_or_else(|| bad("not a duration like 30s"));
            let rate = |current: Rate| {
                if value == "0" {
                    return Ok(Rate { max: 0, ..current });
                }
                let (max, per) = value
                    .split_once('/')
                    .ok_or_else(|| bad("not count/duration like 30/10m, or 0"))?;
                Ok::<_, String>(Rate {
                    max: max.trim().parse().map_err(|_| bad("not a count"))?,
                    per: parse_duration(per.trim())
                        .filter(|d| *d > 0)
                        .ok_or_else(|| bad("not a duration like 10m"))?,
                })
            };
            match name {
                "sign_in_free" => l.sign_in_account.free = count()?,
                "sign_in_lockout" => l.sign_in_account.lockout_after = count()?,
                "sign_in_ip_free" => l.sign_in_address.free = count()?,
                "sign_in_ip_lockout" => l.sign_in_address.lockout_after = count()?,
                "sign_in_window" => {
                    let d = duration()?;
                    l.sign_in_account.window = d;
                    l.sign_in_address.window = d;
                }
                "sign_in_delay" => {
                    let d = duration()?;
                    l.sign_in_account.first_delay = d;
                    l.sign_in_address.first_delay = d;
                }
                "sign_in_max_delay" => {
                    let d = duration()?;
                    l.sign_in_account.max_delay = d;
                    l.sign_in_address.max_delay = d;
                }
                "visitor_sessions_per_ip" => l.visitor_sessions = rate(l.visitor_sessions)?,
                "messages_per_second" => l.messages_per_second.max = count()?,
                "messages_per_minute" => l.messages_per_minute.max = count()?,
                "sockets_per_visitor" => l.sockets_per_visitor = count()?,
                "socket_opens_per_visitor" => l.socket_opens = rate(l.socket_opens)?,
                _ => {
                    let known: Vec<&str> = LIMIT_NAMES.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "{name:?} is not a limit; the limits are {}",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(l)
    }
}

/// `1500ms`, `30s`, `15m`, `1h`, or a bare number of seconds.
fn parse_duration(raw: &str) -> Option<Millis> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (digits, unit) = raw.split_at(split);
    let n: Millis = digits.parse().ok()?;
    let unit = match unit.trim() {
        "ms" => 1,
        "" | "s" => SECOND,
        "m" => MINUTE,
        "h" => 60 * MINUTE,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// A wait as people say it: "1 second", "40 seconds", "3 minutes" (rounded up).
pub fn wait_in_words(ms: Millis) -> String {
    let secs = (ms.max(1) + 999) / 1000;
    if secs < 90 {
        let unit = if secs == 1 { "second" } else { "seconds" };
        return format!("{secs} {unit}");
    }
    let minutes = (secs + 59) / 60;
    format!("{minutes} minutes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Backoff {
        Limits::default().sign_in_account
    }

    #[test]
    fn the_free_attempts_wait_for_nothing_and_then_each_waits_twice_as_long() {
        let b = account();
        assert_eq!((b.free, b.lockout_after), (5, 10));
        let delays: Vec<Millis> = (0..=9).map(|n| b.delay_after(n)).collect();
        assert_eq!(
            delays,
            [0, 0, 0, 0, 0, 1000, 2000, 4000, 8000, 16_000],
            "no wait after the first five, then 1 s doubling"
        );
        let capped = Backoff {
            max_delay: 5000,
            ..b
        };
        assert_eq!(capped.delay_after(8), 5000, "never past max_delay");
        assert_eq!(
            capped.delay_after(u64::MAX),
            5000,
            "no overflow however many"
        );
    }

    #[test]
    fn an_attempt_waits_from_the_one_before_it() {
        let b = account();
        let ends = 900_000;
        // Four attempts counted: the fifth goes at once.
        assert_eq!(b.wait(4, 10_000, ends, 10_001), None);
        // Five counted, the latest at 10 s: the sixth waits until 11 s.
        assert_eq!(b.wait(5, 10_000, ends, 10_200), Some(800));
        assert_eq!(b.wait(5, 10_000, ends, 11_000), None);
        // Seven counted: 4 s after the seventh.
        assert_eq!(b.wait(7, 20_000, ends, 21_000), Some(3000));
    }

    #[test]
    fn the_lockout_holds_until_the_window_ends_whatever_the_password() {
        let b = account();
        let ends = 15 * MINUTE;
        assert_eq!(b.wait(10, 60_000, ends, 60_001), Some(ends - 60_001));
        assert_eq!(b.wait(25, 60_000, ends, 14 * MINUTE), Some(MINUTE));
        assert_eq!(b.wait(10, 60_000, ends, ends), None, "a new window begins");
        // A delay never reaches past the window's end.
        let short = Backoff { window: 3000, ..b };
        assert_eq!(short.wait(9, 1000, 3000, 2000), Some(1000));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let off = Limits::off();
        assert_eq!(off.sign_in_account.wait(1000, 0, 10_000, 1), None);
        assert!(!off.messages_per_second.exceeded_by(1_000_000));
        assert_eq!(off.sockets_per_visitor, 0);
    }

    #[test]
    fn rates_count_within_aligned_windows() {
        let r = Rate { max: 5, per: 1000 };
        assert_eq!(r.aligned(12_345), (12, 13_000));
        assert_eq!(r.aligned(13_000), (13, 14_000));
        assert!(!r.exceeded_by(5));
        assert!(r.exceeded_by(6));
    }

    #[test]
    fn limits_are_tuned_by_name() {
        let l = Limits::parse(
            "messages_per_second=2, messages_per_minute=20, visitor_sessions_per_ip=3/1h, \
             sign_in_window=30m, sign_in_delay=500ms, sign_in_lockout=0, sockets_per_visitor=3",
        )
        .unwrap();
        assert_eq!(l.messages_per_second, Rate { max: 2, per: 1000 });
        assert_eq!(l.messages_per_minute.max, 20);
        assert_eq!(
            l.visitor_sessions,
            Rate {
                max: 3,
                per: 3_600_000
            }
        );
        assert_eq!(l.sign_in_account.window, 30 * MINUTE);
        assert_eq!(l.sign_in_address.first_delay, 500);
        assert!(!l.sign_in_account.on());
        assert_eq!(l.sockets_per_visitor, 3);
        assert!(
            !Limits::parse("visitor_sessions_per_ip=0")
                .unwrap()
                .visitor_sessions
                .on()
        );
        assert_eq!(Limits::parse("").unwrap(), Limits::default());
        assert_eq!(Limits::parse(" OFF ").unwrap(), Limits::off());
        for bad in [
            "messages=5",
            "messages_per_second",
            "messages_per_second=five",
            "visitor_sessions_per_ip=30",
            "visitor_sessions_per_ip=30/0s",
            "sign_in_window=15 fortnights",
        ] {
            assert!(Limits::parse(bad).is_err(), "{bad}");
        }
        let named = Limits::parse("nope=1").unwrap_err();
        assert!(named.contains("messages_per_second"), "{named}");
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(wait_in_words(1), "1 second");
        assert_eq!(wait_in_words(1001), "2 seconds");
        assert_eq!(wait_in_words(60_000), "60 seconds");
        assert_eq!(wait_in_words(14 * MINUTE + 1), "15 minutes");
    }
}
