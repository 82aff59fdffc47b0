//! Automatic distribution (seed 001): a dialog that needs an operator goes to an available one
//! with room, least busy first, ties to the one given a dialog longest ago; when everyone is full
//! it waits in the queue in arrival order. What counts against an operator is their load: the open
//! dialogs in their charge, kept beside the dialogs and moved by the same commits.

use serde::{Deserialize, Serialize};

use super::{ChatHandling, Dialog, DialogStatus, Millis};
use crate::ids::{DialogId, OperatorId};

/// How an open dialog counts against the operator in charge of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    pub operator: OperatorId,
    /// On hold: it counts only where the workspace says held dialogs do.
    pub held: bool,
}

impl Dialog {
    /// How this dialog counts against an operator's load: open, in someone's charge.
    pub fn charge(&self) -> Option<Charge> {
        let assignee = self.assignee.as_ref()?;
        (self.status == DialogStatus::Open).then(|| Charge {
            operator: assignee.id.clone(),
            held: self.held_since.is_some(),
        })
    }
}

/// The most dialogs an assignment may bring an operator's load to: below `max` before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    pub max: u32,
    pub held_counts: bool,
}

impl Cap {
    pub fn of(handling: &ChatHandling) -> Self {
        Self {
            max: handling.max_active_chats,
            held_counts: handling.held_counts_against_limit,
        }
    }
}

/// How one commit moves loads: the dialog leaves `from`'s load and joins `to`'s. With a `cap`
/// (an assignment by distribution) `to` must be available and below it, or nothing is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadMove {
    pub from: Option<Charge>,
    pub to: Option<Charge>,
    pub cap: Option<Cap>,
}

impl LoadMove {
    /// What a transition from `before` to `after` moves (nothing when the charge stays as it was).
    pub fn between(before: Option<&Dialog>, after: &Dialog) -> Self {
        let from = before.and_then(Dialog::charge);
        let to = after.charge();
        if from == to {
            return Self::default();
        }
        Self {
            from,
            to,
            cap: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// Whether the dialog leaves an operator's load (a slot may have freed for the queue).
    pub fn frees(&self) -> bool {
        match (&self.from, &self.to) {
            (Some(from), Some(to)) => from.operator != to.operator || (!from.held && to.held),
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// Whether the dialog comes to a new operator (they were given it: `last_assigned_at`).
    pub fn gives(&self) -> Option<&OperatorId> {
        let to = self.to.as_ref()?;
        match &self.from {
            Some(from) if from.operator == to.operator => None,
            _ => Some(&to.operator),
        }
    }
}

/// One operator's load and whether distribution may give them dialogs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Load {
    pub operator: OperatorId,
    /// Online with a console connected, as presence last said.
    pub available: bool,
    /// The open dialogs in their charge that are not on hold.
    pub active: Vec<DialogId>,
    /// Every open dialog in their charge, on hold or not.
    pub all: Vec<DialogId>,
    /// When distribution, a join or a transfer last gave them a dialog (0: never).
    pub last_assigned_at: Millis,
}

impl Load {
    pub fn none(operator: OperatorId) -> Self {
        Self {
            operator,
            available: false,
            active: Vec::new(),
            all: Vec::new(),
            last_assigned_at: 0,
        }
    }

    /// How many dialogs count against the limit.
    pub fn counted(&self, cap: Cap) -> usize {
        if cap.held_counts {
            self.all.len()
        } else {
            self.active.len()
        }
    }

    pub fn has_room(&self, cap: Cap) -> bool {
        self.available && self.counted(cap) < cap.max as usize
    }
}

/// Whom to try for `dialog`, in order: available operators with room, least busy first, ties to
/// the one given a dialog longest ago. Operators tied on both come in an order of their own for
/// each dialog (a hash of the two ids): dialogs arriving at once then try different operators
/// first instead of all racing for the same one.
pub fn candidates<'l>(loads: &'l [Load], cap: Cap, dialog: &DialogId) -> Vec<&'l Load> {
    let mut with_room: Vec<&Load> = loads.iter().filter(|l| l.has_room(cap)).collect();
    let spread = |op: &OperatorId| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (dialog, op).hash(&mut h);
        h.finish()
    };
    with_room.sort_by_cached_key(|l| (l.counted(cap), l.last_assigned_at, spread(&l.operator)));
    with_room
}

/// A queued visitor's place (1: next) and, once the queue has moved, the estimated wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuePlace {
    pub position: u64,
    pub estimated_wait_ms: Option<Millis>,
}

/// How fast the queue moves: a running average of the time between departures from its head.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePace {
    /// The average gap; 0 until a dialog has left the queue.
    pub gap_ms: Millis,
    /// When a dialog last left the queue.
    pub last_departure_at: Millis,
}

impl QueuePace {
    /// The pace after a dialog queued since `queued_since` left the queue at `now`: the gap is
    /// how long the head took to move while this dialog waited, weighed in at 30 %.
    pub fn after_departure(self, queued_since: Millis, now: Millis) -> Self {
        let sample = (now - self.last_departure_at.max(queued_since)).max(0);
        let gap_ms = if self.gap_ms == 0 {
            sample
        } else {
            (self.gap_ms * 7 + sample * 3) / 10
        };
        Self {
            gap_ms,
            last_departure_at: now,
        }
    }

    pub fn place(self, position: u64) -> QueuePlace {
        QueuePlace {
            position,
            estimated_wait_ms: (self.gap_ms > 0).then(|| self.gap_ms * position as Millis),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(op: &str, available: bool, active: usize, held: usize, last: Millis) -> Load {
        let ids = |n: usize, tag: &str| -> Vec<DialogId> {
            (0..n)
                .map(|i| DialogId::from_trusted(format!("{op}-{tag}-{i}")))
                .collect()
        };
        let active_ids = ids(active, "a");
        let mut all = active_ids.clone();
        all.extend(ids(held, "h"));
        Load {
            operator: OperatorId::from_trusted(op),
            available,
            active: active_ids,
            all,
            last_assigned_at: last,
        }
    }

    #[test]
    fn the_least_busy_available_operator_with_room_comes_first_ties_to_the_longest_idle() {
        let cap = Cap {
            max: 2,
            held_counts: false,
        };
        let loads = [
            load("anna", true, 1, 0, 10),
            load("ben", true, 0, 0, 50),
            load("cleo", true, 0, 0, 20),
            load("dan", false, 0, 0, 0),
            load("eve", true, 2, 0, 0),
            load("fay", true, 1, 3, 5),
        ];
        let d = DialogId::from_trusted("d-1");
        let order: Vec<&str> = candidates(&loads, cap, &d)
            .iter()
            .map(|l| l.operator.as_str())
            .collect();
        assert_eq!(order, ["cleo", "ben", "fay", "anna"]);
        let counting_held = Cap {
            held_counts: true,
            ..cap
        };
        let order: Vec<&str> = candidates(&loads, counting_held, &d)
            .iter()
            .map(|l| l.operator.as_str())
            .collect();
        assert_eq!(order, ["cleo", "ben", "anna"], "fay's holds fill her");
    }

    #[test]
    fn operators_tied_on_load_and_idleness_come_in_an_order_of_each_dialogs_own() {
        let cap = Cap {
            max: 5,
            held_counts: false,
        };
        let loads: Vec<Load> = (0..10)
            .map(|i| load(&format!("op{i}"), true, 0, 0, 0))
            .collect();
        let first = |d: &str| {
            candidates(&loads, cap, &DialogId::from_trusted(d))[0]
                .operator
                .clone()
        };
        assert_eq!(first("d-1"), first("d-1"), "the same for one dialog");
        let firsts: std::collections::HashSet<OperatorId> =
            (0..20).map(|i| first(&format!("d-{i}"))).collect();
        assert!(firsts.len() > 3, "twenty dialogs spread over {firsts:?}");
        // A less busy one still comes before them all, whatever the dialog.
        let mut fewer = loads.clone();
        fewer.push(load("idle", true, 0, 0, -1));
        assert!((0..20).all(|i| {
            candidates(&fewer, cap, &DialogId::from_trusted(format!("d-{i}")))[0]
                .operator
                .as_str()
                == "idle"
        }));
    }

    #[test]
    fn a_load_moves_only_when_the_charge_changes() {
        use crate::domain::{OperatorStatus, Role, testing};
        let anna = testing::operator("Anna", Role::Operator, OperatorStatus::Online);
        let mut d = testing::waiting_dialog(&testing::visitor());
        let before = d.clone();
        d.join(&anna, 1).unwrap();
        let joined = LoadMove::between(Some(&before), &d);
        assert_eq!(joined.from, None);
        assert_eq!(joined.to.as_ref().map(|c| &c.operator), Some(&anna.id));
        assert_eq!(joined.gives(), Some(&anna.id));
        assert!(!joined.frees());
        let open = d.clone();
        d.hold(&anna, 2).unwrap();
        let held = LoadMove::between(Some(&open), &d);
        assert!(held.frees(), "a hold frees a slot where holds do not count");
        assert_eq!(held.gives(), None);
        let on_hold = d.clone();
        d.close(&anna, 3).unwrap();
        let closed = LoadMove::between(Some(&on_hold), &d);
        assert!(closed.frees());
        assert_eq!(closed.to, None);
        assert!(LoadMove::between(Some(&d), &d).is_empty());
    }

    #[test]
    fn the_queue_pace_follows_departures() {
        let pace = QueuePace::default();
        assert_eq!(
            pace.place(3).estimated_wait_ms,
            None,
            "no estimate before it moved"
        );
        let pace = pace.after_departure(1_000, 61_000);
        assert_eq!(pace.gap_ms, 60_000);
        assert_eq!(pace.place(2).estimated_wait_ms, Some(120_000));
        // The next left 30 s later: the average leans 30 % towards it.
        let pace = pace.after_departure(2_000, 91_000);
        assert_eq!(pace.gap_ms, 51_000);
    }
}
