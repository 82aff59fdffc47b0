//! Everything the clients sent and received during the measured phase, and the verdict on it:
//! every acknowledged message reached the other side exactly once, each sender's messages in the
//! order they were sent, and how long each took.

use crate::client::Reader;
use crate::stats::Summary;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum From {
    Visitor,
    Operator,
}

struct Sent {
    dialog: usize,
    from: From,
    at: Instant,
}

struct Received {
    /// Fetched from history after a reconnect, not pushed.
    caught_up: bool,
    reader: Reader,
    dialog: usize,
    client_id: String,
    seq: u64,
    at: Instant,
}

#[derive(Default)]
struct Log {
    sent: HashMap<String, Sent>,
    acks: HashMap<String, u64>,
    /// Client id → the error that refused it.
    refused: HashMap<String, String>,
    /// Acks that named a different `seq` than an earlier ack of the same client id.
    reacked_differently: usize,
    received: Vec<Received>,
    frames: u64,
}

pub struct Recorder {
    log: Mutex<Log>,
    dialogs: RwLock<HashMap<String, usize>>,
    operators: usize,
    /// Dialogs automatic distribution gave to another operator than the round robin's.
    owners: RwLock<HashMap<usize, usize>>,
    closed: AtomicUsize,
}

#[derive(Debug, Default)]
pub struct Verdict {
    pub sent: usize,
    pub acked: usize,
    pub refused: usize,
    pub delivered: usize,
    /// Acknowledged, never received by the other side.
    pub lost: usize,
    /// Stored twice: one client id under two `seq`s (a resend that was not idempotent).
    pub duplicated: usize,
    /// The same stored message had again (pushed twice, or pushed and then caught up): the client
    /// keeps it once by its `seq`. None may happen without a reconnect.
    pub repeated: usize,
    /// Sent and never acknowledged, even after reconnects and resends.
    pub unacked: usize,
    /// Received before a message its sender sent earlier.
    pub misordered: usize,
    /// Acknowledged with a lower `seq` than an earlier message of the same sender.
    pub ack_misordered: usize,
    pub frames: u64,
    pub closed: usize,
    /// The first few refusals, as the server sent them: what to look at when `refused` is not 0.
    pub refusals: Vec<String>,
    pub visitor_to_operator: Summary,
    pub operator_to_visitor: Summary,
}

impl Verdict {
    /// Nothing lost, stored twice, pushed twice or out of order; every send acked; no socket cut.
    pub fn clean(&self) -> bool {
        self.survived() && self.repeated == 0 && self.closed == 0
    }

    /// What must hold even through faults: every send acked once reconnected, nothing acked lost,
    /// nothing stored twice, each sender's pushes in order.
    pub fn survived(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.unacked == 0
            && self.misordered == 0
            && self.ack_misordered == 0
            && self.refused == 0
    }

    pub fn problems(&self) -> String {
        format!(
            "lost {}, stored twice {}, had twice {}, never acked {}, misordered {}, acks out of order {}, refused {}{}, sockets cut {}",
            self.lost,
            self.duplicated,
            self.repeated,
            self.unacked,
            self.misordered,
            self.ack_misordered,
            self.refused,
            if self.refusals.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.refusals.join("; "))
            },
            self.closed
        )
    }
}

impl Recorder {
    pub fn new(operators: usize) -> Self {
        Self {
            log: Mutex::default(),
            dialogs: RwLock::default(),
            operators,
            owners: RwLock::default(),
            closed: AtomicUsize::new(0),
        }
    }

    pub fn register_dialog(&self, id: &str, index: usize) {
        self.dialogs
            .write()
            .expect("not poisoned")
            .insert(id.to_owned(), index);
    }

    /// The operator who answers dialog `index`: the one distribution gave it to, else round robin.
    pub fn owner(&self, index: usize) -> usize {
        let given = self
            .owners
            .read()
            .expect("not poisoned")
            .get(&index)
            .copied();
        given.unwrap_or(index % self.operators)
    }

    /// Dialog `index` was given to operator `operator` (automatic distribution).
    pub fn given_to(&self, index: usize, operator: usize) {
        self.owners
            .write()
            .expect("not poisoned")
            .insert(index, operator);
    }

    pub fn sent(&self, client_id: String, dialog: usize, from: From) {
        self.log.lock().expect("not poisoned").sent.insert(
            client_id,
            Sent {
                dialog,
                from,
                at: Instant::now(),
            },
        );
    }

    /// Sends made before `before`, and after `after`.
    pub fn sends_outside(&self, before: Instant, after: Instant) -> (usize, usize) {
        let log = self.log.lock().expect("not poisoned");
        (
            log.sent.values().filter(|s| s.at < before).count(),
            log.sent.values().filter(|s| s.at > after).count(),
        )
    }

    pub fn closed(&self) {
        self.closed.fetch_add(1, Ordering::Relaxed);
    }

    /// Sockets closed so far (the gateway cut them, or it died).
    pub fn closed_count(&self) -> usize {
        self.closed.load(Ordering::Relaxed)
    }

    /// The newest `seq` `reader` has from the other side of `dialog_id`: where to catch up from.
    pub fn seen_up_to(&self, reader: Reader, dialog_id: &str) -> u64 {
        let Some(&dialog) = self.dialogs.read().expect("not poisoned").get(dialog_id) else {
            return 0;
        };
        let log = self.log.lock().expect("not poisoned");
        log.received
            .iter()
            .filter(|r| r.reader == reader && r.dialog == dialog)
            .map(|r| r.seq)
            .max()
            .unwrap_or(0)
    }

    pub fn event(&self, reader: Reader, event: &Value, at: Instant, caught_up: bool) {
        let kind = event["type"].as_str().unwrap_or_default();
        let mut log = self.log.lock().expect("not poisoned");
        log.frames += 1;
        match kind {
            "ack" | "error" => {
                let Some(rid) = event["request_id"].as_str() else {
                    return;
                };
                if !log.sent.contains_key(rid) {
                    return;
                }
                match event["message"]["seq"].as_u64() {
                    Some(seq) if kind == "ack" => {
                        if log
                            .acks
                            .insert(rid.to_owned(), seq)
                            .is_some_and(|old| old != seq)
                        {
                            log.reacked_differently += 1;
                        }
                    }
                    _ => {
                        log.refused.insert(rid.to_owned(), event.to_string());
                    }
                }
            }
            "message.created" => {
                let m = &event["message"];
                let (Some(client_id), Some(seq), Some(dialog_id)) = (
                    m["client_id"].as_str(),
                    m["seq"].as_u64(),
                    m["dialog_id"].as_str(),
                ) else {
                    return;
                };
                let Some(sent) = log.sent.get(client_id) else {
                    return;
                };
                let Some(&dialog) = self.dialogs.read().expect("not poisoned").get(dialog_id)
                else {
                    return;
                };
                let wanted = match reader {
                    Reader::Visitor(i) => i == dialog && sent.from == From::Operator,
                    Reader::Operator(j) => self.owner(dialog) == j && sent.from == From::Visitor,
                };
                if wanted {
                    log.received.push(Received {
                        caught_up,
                        reader,
                        dialog,
                        client_id: client_id.to_owned(),
                        seq,
                        at,
                    });
                }
            }
            _ => {}
        }
    }

    /// Whether every sent message has its ack and its delivery (to stop waiting early).
    pub fn settled(&self) -> bool {
        let log = self.log.lock().expect("not poisoned");
        log.acks.len() + log.refused.len() >= log.sent.len() && log.received.len() >= log.acks.len()
    }

    pub fn verdict(&self) -> Verdict {
        let log = self.log.lock().expect("not poisoned");
        let mut v = Verdict {
            sent: log.sent.len(),
            acked: log.acks.len(),
            refused: log.refused.len(),
            refusals: log.refused.values().take(3).cloned().collect(),
            frames: log.frames,
            closed: self.closed_count(),
            ..Verdict::default()
        };
        let mut seqs: HashMap<(Reader, &str), HashSet<u64>> = HashMap::new();
        let (mut v2o, mut o2v) = (Vec::new(), Vec::new());
        // The highest seq each reader has had pushed from each dialog, in arrival order.
        let mut highest: HashMap<(Reader, usize), u64> = HashMap::new();
        let mut arrivals: Vec<&Received> = log.received.iter().collect();
        arrivals.sort_by_key(|r| (r.at, r.caught_up));
        for r in arrivals {
            let got = seqs.entry((r.reader, r.client_id.as_str())).or_default();
            if !got.is_empty() {
                if got.contains(&r.seq) {
                    v.repeated += 1;
                } else {
                    v.duplicated += 1;
                }
                got.insert(r.seq);
                continue;
            }
            got.insert(r.seq);
            v.delivered += 1;
            if r.caught_up {
                continue;
            }
            let sent = &log.sent[&r.client_id];
            let latency = r.at.saturating_duration_since(sent.at);
            match sent.from {
                From::Visitor => v2o.push(latency),
                From::Operator => o2v.push(latency),
            }
            let top = highest.entry((r.reader, r.dialog)).or_insert(0);
            if r.seq < *top {
                v.misordered += 1;
            }
            *top = (*top).max(r.seq);
        }
        v.unacked = log
            .sent
            .keys()
            .filter(|c| !log.acks.contains_key(*c) && !log.refused.contains_key(*c))
            .count();
        v.duplicated += log.reacked_differently;
        let delivered: HashSet<&str> = log.received.iter().map(|r| r.client_id.as_str()).collect();
        v.lost = log
            .acks
            .keys()
            .filter(|c| !delivered.contains(c.as_str()))
            .count();
        let mut by_sender: HashMap<(usize, From), Vec<(Instant, u64)>> = HashMap::new();
        for (client_id, seq) in &log.acks {
            let s = &log.sent[client_id];
            by_sender
                .entry((s.dialog, s.from))
                .or_default()
                .push((s.at, *seq));
        }
        for list in by_sender.values_mut() {
            list.sort();
            v.ack_misordered += list.windows(2).filter(|w| w[1].1 <= w[0].1).count();
        }
        v.visitor_to_operator = Summary::of(v2o);
        v.operator_to_visitor = Summary::of(o2v);
        v
    }
}

/// Waits until every message is acked and delivered, or `limit` passes.
pub async fn settle(recorder: &Recorder, limit: Duration) {
    let until = Instant::now() + limit;
    while !recorder.settled() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
