//! Limits that hold across every function instance: sign-in attempts per account and per address,
//! new visitor sessions per address, messages per sender, sockets per visitor. The counters are in
//! the store (`ports::LimitStore`), the numbers and their arithmetic in `domain::limits`. Each check
//! is O(1): one or two counter calls, or one visitor's own connections; never a list of all.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use super::{AppError, AppResult, Caller, Stores};
use crate::domain::{Connection, Limits, Millis, Peer, Rate, normalize_email, wait_in_words};
use crate::ids::{VisitorId, WorkspaceId};
use crate::ports::{Clock, ConnectionStore, LimitStore};

/// How long a visitor told "too many sockets" is asked to wait: a tab closing frees one, and
/// nothing says when that is.
const SOCKETS_RETRY: Millis = 30_000;

/// Holds each request to its limits: refuses with `rate_limited` and when to try again.
pub struct Limiter {
    counters: Arc<dyn LimitStore>,
    connections: Arc<dyn ConnectionStore>,
    limits: Limits,
    clock: Arc<dyn Clock>,
}

/// An address as the limits count it: an IPv4 address whole, an IPv6 one by its /64 network (what
/// one subscriber usually holds, all of it theirs to pick from).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// An account's counter is keyed by a hash of its email: what people type into the email field
/// (a password, at times) is not kept in the table.
fn account_key(account: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(normalize_email(account).as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("sign-in#account#{hex}")
}

fn limited(retry_after_ms: Millis, message: String) -> AppError {
    AppError::RateLimited {
        message,
        retry_after_ms: retry_after_ms.max(1),
    }
}

fn sign_in_refused(wait: Millis) -> AppError {
    limited(
        wait,
        format!(
            "too many sign-in attempts: try again in {}",
            wait_in_words(wait)
        ),
    )
}

impl Limiter {
    pub(super) fn new(stores: &Stores, limits: Limits, clock: Arc<dyn Clock>) -> Self {
        Self {
            counters: stores.limits.clone(),
            connections: stores.connections.clone(),
            limits,
            clock,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Holds a sign-in to its limits; `attempt` is the sign-in itself, awaited only when allowed.
    ///
    /// The address's failures are read first: past its limit, the attempt is refused before the
    /// account is touched. Then the account's attempt is counted *before* the password is checked,
    /// so attempts made at the same moment each see their own count and none slips past the
    /// limit; one refused counts too, and the next must wait from it. A right password clears the
    /// account's count; a wrong one (`unauthorized`) adds one to the address's failures. Unknown
    /// and known accounts are counted alike, so the answers tell nothing of which exist.
    pub async fn sign_in<T>(
        &self,
        account: &str,
        from: Option<IpAddr>,
        attempt: impl Future<Output = AppResult<T>>,
    ) -> AppResult<T> {
        let now = self.clock.now();
        let (by_account, by_address) = (self.limits.sign_in_account, self.limits.sign_in_address);
        let address = from
            .filter(|_| by_address.on())
            .map(|ip| format!("sign-in#ip#{}", address_key(ip)));
        if let Some(key) = &address
            && let Some(t) = self.counters.tally(key, now).await?
            && let Some(wait) =
                by_address.wait(t.count, t.previous_at.unwrap_or(now), t.ends_at, now)
        {
            return Err(sign_in_refused(wait));
        }
        let account = by_account.on().then(|| account_key(account));
        if let Some(key) = &account {
            let t = self.counters.hit(key, now, now + by_account.window).await?;
            let before = t.count - 1;
            if by_account
                .wait(before, t.previous_at.unwrap_or(now), t.ends_at, now)
                .is_some()
            {
                // This attempt is counted: the next one waits from it.
                let wait = by_account.wait(t.count, now, t.ends_at, now);
                return Err(sign_in_refused(wait.unwrap_or(by_account.first_delay)));
            }
        }
        let outcome = attempt.await;
        match &outcome {
            Ok(_) => {
                if let Some(key) = &account {
                    self.counters.forget(key).await?;
                }
            }
            Err(AppError::Unauthorized(_)) => {
                if let Some(key) = &address {
                    self.counters.hit(key, now, now + by_address.window).await?;
                }
            }
            Err(_) => {}
        }
        outcome
    }

    /// A new visitor session (not a kept token renewed), from `from` if it is known.
    pub async fn new_visitor(&self, from: Option<IpAddr>) -> AppResult<()> {
        let rate = self.limits.visitor_sessions;
        let Some(ip) = from.filter(|_| rate.on()) else {
            return Ok(());
        };
        let key = format!("visitor-sessions#{}", address_key(ip));
        let now = self.clock.now();
        let t = self.counters.hit(&key, now, now + rate.per).await?;
        if rate.exceeded_by(t.count) {
            let wait = t.ends_at - now;
            return Err(limited(
                wait,
                format!(
                    "too many new chats from this network: try again in {}",
                    wait_in_words(wait)
                ),
            ));
        }
        Ok(())
    }

    /// A message (or whisper) from `sender`, before anything of it is stored. Refused, nothing is
    /// stored: the client sends it again, with the same client id, once the wait is over.
    pub async fn message(&self, sender: &Caller) -> AppResult<()> {
        let (second, minute) = (
            self.limits.messages_per_second,
            self.limits.messages_per_minute,
        );
        if !second.on() && !minute.on() {
            return Ok(());
        }
        let who = match sender {
            Caller::Operator(op) => format!("op#{}#{}", op.workspace, op.id),
            Caller::Visitor(v) => format!("vis#{}#{}", v.workspace, v.id),
        };
        let now = self.clock.now();
        let count = |rate: Rate, key: String, ends_at: Millis| async move {
            if !rate.on() {
                return Ok(None);
            }
            let t = self.counters.hit(&key, now, ends_at).await?;
            Ok::<_, AppError>(rate.exceeded_by(t.count).then_some(t.ends_at - now))
        };
        // A second is keyed by its number since the epoch: each counter is one write and never
        // met again, where a counter reused second after second would take a second write to
        // start over nearly every time. A minute starts with its first message, so the bound is
        // exact: at most that many in any minute that begins with a message.
        let (index, second_ends) = second.aligned(now);
        let (per_second, per_minute) = futures_util::future::join(
            count(second, format!("messages#{who}#s{index}"), second_ends),
            count(minute, format!("messages#{who}#m"), now + minute.per),
        )
        .await;
        match per_second?.max(per_minute?) {
            Some(wait) => Err(limited(
                wait,
                format!(
                    "messages are coming too fast: this one can go in {}",
                    wait_in_words(wait)
                ),
            )),
            None => Ok(()),
        }
    }

    /// Before a visitor's socket is stored: how many they opened lately.
    pub async fn visitor_socket_opening(
        &self,
        workspace: &WorkspaceId,
        visitor: &VisitorId,
    ) -> AppResult<()> {
        let rate = self.limits.socket_opens;
        if !rate.on() {
            return Ok(());
        }
        let now = self.clock.now();
        let key = format!("socket-opens#{workspace}#{visitor}");
        let t = self.counters.hit(&key, now, now + rate.per).await?;
        if rate.exceeded_by(t.count) {
            let wait = t.ends_at - now;
            return Err(limited(
                wait,
                format!(
                    "this visitor opened too many connections: try again in {}",
                    wait_in_words(wait)
                ),
            ));
        }
        Ok(())
    }

    /// After a visitor's socket is stored: one too many open at once is refused and forgotten.
    /// Counting after the write means sockets opened at the same moment see each other.
    pub async fn visitor_socket_opened(&self, connection: &Connection) -> AppResult<()> {
        let max = self.limits.sockets_per_visitor;
        let Peer::Visitor { id, .. } = &connection.peer else {
            return Ok(());
        };
        if max == 0 {
            return Ok(());
        }
        let open = self
            .connections
            .visitor_connections(&connection.workspace, id)
            .await?;
        if open.len() as u64 > max {
            self.connections.delete_connection(&connection.id).await?;
            return Err(limited(
                SOCKETS_RETRY,
                format!("this visitor has {max} connections open already: close one first"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_count_whole_for_ipv4_and_by_network_for_ipv6() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(address_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa::1")),
            address_key(ip("2001:db8:1:2:bbbb::9")),
            "one /64, one count"
        );
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(address_key(ip("::ffff:203.0.113.7")), "203.0.113.7");
    }

    #[test]
    fn accounts_are_counted_by_a_hash_of_their_email_whatever_its_case() {
        let key = account_key("Anna@Example.com");
        assert_eq!(key, account_key("anna@example.com"));
        assert!(!key.contains("anna"), "{key}");
        assert_ne!(key, account_key("bob@example.com"));
    }
}
