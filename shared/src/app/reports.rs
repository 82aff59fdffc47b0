//! Reports (seed 001): each event adds to its operator's counters of the day as it happens
//! (presence changes, replies, closes), and a report over a period reads those counters, O(days ×
//! operators), never the dialogs. Recording never fails the action that caused it: a failure is
//! logged and the action goes on. Also the live board and the operator card.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AppError, AppResult, MAX_ATTEMPTS, Stores, backoff};
use crate::domain::{
    Day, Dialog, DialogStatus, DomainError, Figures, Millis, Operator, OperatorStatus, Presence,
    PresenceMark, Right, close_figures, presence_among, reply_figures, split_by_day,
};
use crate::ids::{OperatorId, WorkspaceId};
use crate::ports::{
    Clock, ConnectionStore, DialogCursor, DialogStore, DirectoryStore, ReportRow, ReportStore,
    StoreError,
};
use crate::protocol::OperatorView;

/// The longest period one report covers, in days.
pub const MAX_REPORT_DAYS: u64 = 366;

/// How many open dialogs the live board reads per page.
const LIVE_PAGE: usize = 100;

/// `GET /api/reports?from&to`: the period's figures per operator and for the team, per day and in
/// total. Days without any figure are left out of `days`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct Report {
    /// The first day, `YYYY-MM-DD` (UTC).
    pub from: String,
    /// The last day, included.
    pub to: String,
    /// Every operator of the workspace, with figures or not, in the directory's order.
    pub operators: Vec<OperatorReport>,
    /// The sums over all operators.
    pub team: ReportFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct OperatorReport {
    pub id: OperatorId,
    pub name: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub figures: ReportFigures,
}

/// Figures per day (those that have any) and their total.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct ReportFigures {
    pub days: Vec<DayFigures>,
    pub total: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct DayFigures {
    pub day: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub figures: Figures,
}

impl ReportFigures {
    fn add(&mut self, day: Day, figures: &Figures) {
        let day = day.to_string();
        match self.days.iter_mut().find(|d| d.day == day) {
            Some(d) => d.figures.add(figures),
            None => self.days.push(DayFigures {
                day,
                figures: *figures,
            }),
        }
        self.total.add(figures);
    }
}

/// `GET /api/reports/live`: the workspace right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct LiveBoard {
    /// Open dialogs.
    #[ts(type = "number")]
    pub open: u64,
    /// Open dialogs whose visitor waits for an operator (`needs_answer`).
    #[ts(type = "number")]
    pub waiting: u64,
    /// Open dialogs in the queue for an operator with room (`queued_since`).
    #[ts(type = "number")]
    pub queued: u64,
    /// Every active operator, with their open dialogs in charge.
    pub operators: Vec<LiveOperator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct LiveOperator {
    pub id: OperatorId,
    pub name: String,
    pub status: OperatorStatus,
    /// What colleagues see: their status, and whether a console of theirs is connected.
    pub presence: Presence,
    /// Open dialogs in their charge.
    #[ts(type = "number")]
    pub load: u64,
    /// Whether new dialogs may go to them: online with a console connected.
    pub available: bool,
}

/// `GET /api/reports/operators/{id}/today`: what an operator's card shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "protocol.ts")]
pub struct OperatorCard {
    pub operator: OperatorView,
    /// Open dialogs in their charge.
    #[ts(type = "number")]
    pub load: u64,
    /// Today's figures (UTC): for one's own card, or with the right to view reports; else absent.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub today: Option<Figures>,
}

/// Which period a report covers, as the query gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

impl Period {
    /// Both days valid, `from` not after `to`, at most `MAX_REPORT_DAYS` days.
    pub fn parse(&self) -> AppResult<(Day, Day)> {
        let day = |raw: &str| {
            Day::parse(raw).ok_or_else(|| {
                AppError::Invalid(format!(
                    "{} is not a day (YYYY-MM-DD)",
                    crate::domain::quote(raw)
                ))
            })
        };
        let (from, to) = (day(&self.from)?, day(&self.to)?);
        match from.days_to(to) {
            0 => Err(AppError::Invalid("from is after to".into())),
            n if n > MAX_REPORT_DAYS => Err(AppError::Invalid(format!(
                "a report covers at most {MAX_REPORT_DAYS} days"
            ))),
            _ => Ok((from, to)),
        }
    }
}

/// Per-event counters, and the reports read from them.
pub struct Reports {
    reports: Arc<dyn ReportStore>,
    directory: Arc<dyn DirectoryStore>,
    dialogs: Arc<dyn DialogStore>,
    connections: Arc<dyn ConnectionStore>,
    clock: Arc<dyn Clock>,
}

impl Reports {
    pub(super) fn new(stores: &Stores, clock: Arc<dyn Clock>) -> Self {
        Self {
            reports: stores.reports.clone(),
            directory: stores.directory.clone(),
            dialogs: stores.dialogs.clone(),
            connections: stores.connections.clone(),
            clock,
        }
    }

    /// The one entry point for presence: an operator is in `presence` from `at` on. The time in
    /// the state they leave is added to its counter, split across UTC days; the same state again
    /// changes nothing. One read and one conditional write of their mark, plus one addition per
    /// day of the state left; a lost race reads again.
    pub(crate) async fn presence_changed(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        presence: Presence,
        at: Millis,
    ) {
        if let Err(e) = self.mark_presence(workspace, operator, presence, at).await {
            tracing::error!(operator_id = %operator, error = %e, "report.presence_not_recorded");
        }
    }

    async fn mark_presence(
        &self,
        workspace: &WorkspaceId,
        operator: &OperatorId,
        presence: Presence,
        at: Millis,
    ) -> AppResult<()> {
        for attempt in 0..MAX_ATTEMPTS {
            let old = self.reports.presence_mark(workspace, operator).await?;
            if old.is_some_and(|m| m.presence == presence) {
                return Ok(());
            }
            let mark = PresenceMark {
                presence,
                since: old.map_or(at, |m| at.max(m.since)),
            };
            match self
                .reports
                .swap_presence_mark(workspace, operator, old.as_ref(), &mark)
                .await
            {
                Ok(()) => {
                    if let Some(old) = old {
                        for (day, ms) in split_by_day(old.since, mark.since) {
                            let figures = Figures::time_in(old.presence, ms);
                            self.reports
                                .add_figures(workspace, day, operator, &figures)
                                .await?;
                        }
                    }
                    return Ok(());
                }
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict.into())
    }

    /// Records an operator's reply, from the dialog as it was before: the reply time when a
    /// visitor waited, the first response time when it is the first reply since the dialog
    /// opened, missed when later than the workspace's reply-time limit (one read of the
    /// workspace, only when a visitor waited).
    pub(crate) async fn replied(&self, before: &Dialog, by: &OperatorId, at: Millis) {
        if before.waiting_since.is_none() {
            return;
        }
        let recorded = async {
            let limit = self
                .directory
                .get_workspace(&before.workspace)
                .await?
                .and_then(|w| w.handling.reply_time_limit_secs);
            let figures = reply_figures(before, at, limit);
            self.reports
                .add_figures(&before.workspace, Day::of(at), by, &figures)
                .await
        };
        if let Err(e) = recorded.await {
            tracing::error!(dialog_id = %before.id, error = %e, "report.reply_not_recorded");
        }
    }

    /// Records a dialog's leaving the queue (given to `to` at `at`, queued since `since`).
    pub(crate) async fn left_queue(
        &self,
        dialog: &Dialog,
        to: &OperatorId,
        since: Millis,
        at: Millis,
    ) {
        let figures = crate::domain::queue_figures(since, at);
        if let Err(e) = self
            .reports
            .add_figures(&dialog.workspace, Day::of(at), to, &figures)
            .await
        {
            tracing::error!(dialog_id = %dialog.id, error = %e, "report.queue_not_recorded");
        }
    }

    /// Records a close, from the dialog as it was before, for the operator in charge (or the one
    /// who closed it, when nobody was).
    pub(crate) async fn closed(&self, before: &Dialog, by: &OperatorId, at: Millis) {
        let operator = before.assignee.as_ref().map_or(by, |a| &a.id);
        let figures = close_figures(before, at);
        if let Err(e) = self
            .reports
            .add_figures(&before.workspace, Day::of(at), operator, &figures)
            .await
        {
            tracing::error!(dialog_id = %before.id, error = %e, "report.close_not_recorded");
        }
    }

    fn check_right(caller: &Operator) -> AppResult<()> {
        if caller.can(Right::ViewReports) {
            Ok(())
        } else {
            Err(DomainError::Forbidden("your groups do not let you view reports").into())
        }
    }

    /// The period's report: one Query of its counters and one of the workspace's operators.
    pub async fn report(&self, caller: &Operator, period: &Period) -> AppResult<Report> {
        Self::check_right(caller)?;
        let (from, to) = period.parse()?;
        let rows = self
            .reports
            .report_rows(&caller.workspace, from, to)
            .await?;
        let operators = self.directory.list_operators(&caller.workspace).await?;
        let ongoing = self
            .ongoing(&caller.workspace, &operators, from, to)
            .await?;
        let mut by_operator: BTreeMap<&OperatorId, ReportFigures> = BTreeMap::new();
        let mut team = ReportFigures::default();
        for row in rows.iter().chain(&ongoing) {
            by_operator
                .entry(&row.operator)
                .or_default()
                .add(row.day, &row.figures);
            team.add(row.day, &row.figures);
        }
        team.days.sort_by(|a, b| a.day.cmp(&b.day));
        let operators = operators
            .iter()
            .map(|op| {
                let mut figures = by_operator.remove(&op.id).unwrap_or_default();
                figures.days.sort_by(|a, b| a.day.cmp(&b.day));
                OperatorReport {
                    id: op.id.clone(),
                    name: op.name.clone(),
                    figures,
                }
            })
            .collect();
        Ok(Report {
            from: from.to_string(),
            to: to.to_string(),
            operators,
            team,
        })
    }

    /// The time each operator has spent so far in the presence state they are in now, within the
    /// period's days: counted into the stored figures only when the state changes, so a report
    /// reads it from their marks (one read per operator, at once) and adds it.
    async fn ongoing(
        &self,
        workspace: &WorkspaceId,
        operators: &[Operator],
        from: Day,
        to: Day,
    ) -> AppResult<Vec<ReportRow>> {
        let now = self.clock.now();
        let reads = operators
            .iter()
            .map(|op| self.reports.presence_mark(workspace, &op.id));
        let marks = futures_util::future::try_join_all(reads).await?;
        Ok(operators
            .iter()
            .zip(marks)
            .filter_map(|(op, mark)| mark.map(|m| (op, m)))
            .flat_map(|(op, mark)| {
                let start = mark.since.max(from.start());
                let end = now.min(to.next().start());
                split_by_day(start, end)
                    .into_iter()
                    .map(move |(day, ms)| ReportRow {
                        day,
                        operator: op.id.clone(),
                        figures: Figures::time_in(mark.presence, ms),
                    })
            })
            .collect())
    }

    /// The open dialogs, page by page: O(open dialogs).
    async fn open_dialogs(&self, workspace: &WorkspaceId) -> AppResult<Vec<Dialog>> {
        let mut all = Vec::new();
        let mut cursor: Option<DialogCursor> = None;
        loop {
            let page = self
                .dialogs
                .list_dialogs(workspace, DialogStatus::Open, cursor.as_ref(), LIVE_PAGE)
                .await?;
            let full = page.len() == LIVE_PAGE;
            cursor = page.last().map(DialogCursor::of);
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// The live board: reads every open dialog (O(open dialogs)) and the operators.
    pub async fn live(&self, caller: &Operator) -> AppResult<LiveBoard> {
        Self::check_right(caller)?;
        let open = self.open_dialogs(&caller.workspace).await?;
        let operators = self.directory.list_operators(&caller.workspace).await?;
        let consoles = self
            .connections
            .operator_connections(&caller.workspace)
            .await?;
        let now = self.clock.now();
        let presence_of = |op: &Operator| presence_among(op.status, &op.id, &consoles, now);
        let load_of = |id: &OperatorId| open.iter().filter(|d| d.is_in_charge(id)).count() as u64;
        Ok(LiveBoard {
            open: open.len() as u64,
            waiting: open.iter().filter(|d| d.needs_answer).count() as u64,
            queued: open.iter().filter(|d| d.queued_since.is_some()).count() as u64,
            operators: operators
                .iter()
                .filter(|op| op.active)
                .map(|op| LiveOperator {
                    id: op.id.clone(),
                    name: op.name.clone(),
                    status: op.status,
                    presence: presence_of(op),
                    load: load_of(&op.id),
                    available: presence_of(op).is_available(),
                })
                .collect(),
        })
    }

    /// An operator's card: status and load for any colleague; today's figures for one's own card
    /// or with the right to view reports. Reads the operator, the open dialogs (O(open
    /// dialogs)) and today's counters (O(operators)).
    pub async fn card(&self, caller: &Operator, id: &OperatorId) -> AppResult<OperatorCard> {
        let operator = self
            .directory
            .get_operator(&caller.workspace, id)
            .await?
            .ok_or(DomainError::OperatorNotFound)?;
        let open = self.open_dialogs(&caller.workspace).await?;
        let load = open.iter().filter(|d| d.is_in_charge(id)).count() as u64;
        let consoles = self
            .connections
            .connections_of_operator(&caller.workspace, id)
            .await?;
        let presence = presence_among(operator.status, id, &consoles, self.clock.now());
        let today = if &caller.id == id || caller.can(Right::ViewReports) {
            let day = Day::of(self.clock.now());
            let rows = self
                .reports
                .report_rows(&caller.workspace, day, day)
                .await?;
            let ongoing = self
                .ongoing(&caller.workspace, std::slice::from_ref(&operator), day, day)
                .await?;
            let mut figures = Figures::default();
            for row in rows.iter().chain(&ongoing).filter(|r| &r.operator == id) {
                figures.add(&row.figures);
            }
            Some(figures)
        } else {
            None
        };
        Ok(OperatorCard {
            operator: OperatorView {
                presence: Some(presence),
                ..OperatorView::from(&operator)
            },
            load,
            today,
        })
    }
}

/// The report as CSV: a header row, then one row per operator and day with figures, one total
/// row per operator, and the team's rows (`operator` "Team"). Times are in whole seconds;
/// averages are empty without a count.
pub fn report_csv(report: &Report) -> String {
    let mut out = String::from(
        "operator_id,operator,day,online_s,away_s,offline_s,no_console_s,closed,\
         avg_resolution_s,first_responses,avg_first_response_s,replies,avg_reply_s,missed,\
         queued,avg_queue_s\n",
    );
    let mut rows = |id: &str, name: &str, figures: &ReportFigures| {
        let days = figures.days.iter().map(|d| (d.day.as_str(), &d.figures));
        for (day, f) in days.chain([("total", &figures.total)]) {
            let secs = |ms: u64| (ms / 1000).to_string();
            let avg = |sum, count| {
                Figures::average(sum, count)
                    .map(|ms| format!("{:.1}", ms as f64 / 1000.0))
                    .unwrap_or_default()
            };
            let cells = [
                csv_cell(id),
                csv_cell(name),
                day.to_owned(),
                secs(f.online_ms),
                secs(f.away_ms),
                secs(f.offline_ms),
                secs(f.no_console_ms),
                f.closed.to_string(),
                avg(f.resolution_ms, f.closed),
                f.first_responses.to_string(),
                avg(f.first_response_ms, f.first_responses),
                f.replies.to_string(),
                avg(f.reply_ms, f.replies),
                f.missed.to_string(),
                f.queued.to_string(),
                avg(f.queue_ms, f.queued),
            ];
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    };
    for op in &report.operators {
        rows(op.id.as_str(), &op.name, &op.figures);
    }
    rows("", "Team", &report.team);
    out
}

/// Quotes a cell that needs it, and defuses one a spreadsheet would run as a formula.
fn csv_cell(raw: &str) -> String {
    let raw = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if raw.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", raw.replace('"', "\"\""))
    } else {
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_checked() {
        let p = |from: &str, to: &str| {
            Period {
                from: from.into(),
                to: to.into(),
            }
            .parse()
            .map(|(a, b)| (a.to_string(), b.to_string()))
        };
        assert_eq!(
            p("2026-01-01", "2026-01-01").unwrap(),
            ("2026-01-01".into(), "2026-01-01".into())
        );
        assert!(p("2025-01-01", "2025-12-31").is_ok());
        assert!(
            p("2024-01-01", "2024-12-31").is_ok(),
            "366 days of a leap year"
        );
        for (from, to) in [
            ("2024-01-01", "2025-01-01"),
            ("2026-01-02", "2026-01-01"),
            ("2026-1-1", "2026-01-02"),
            ("yesterday", "2026-01-02"),
        ] {
            assert!(
                matches!(p(from, to), Err(AppError::Invalid(_))),
                "{from}..{to}"
            );
        }
    }

    #[test]
    fn the_csv_has_a_header_and_defused_cells() {
        let day = |d: &str, f: Figures| DayFigures {
            day: d.into(),
            figures: f,
        };
        let f = Figures {
            closed: 2,
            resolution_ms: 30_000,
            replies: 1,
            reply_ms: 1_500,
            online_ms: 61_000,
            ..Figures::default()
        };
        let figures = ReportFigures {
            days: vec![day("2026-12-04", f)],
            total: f,
        };
        let report = Report {
            from: "2026-12-04".into(),
            to: "2026-12-04".into(),
            operators: vec![OperatorReport {
                id: OperatorId::from_trusted("op_1"),
                name: "=Ann, \"the\" boss".into(),
                figures: figures.clone(),
            }],
            team: figures,
        };
        let csv = report_csv(&report);
        let lines: Vec<_> = csv.lines().collect();
        assert!(lines[0].starts_with("operator_id,operator,day,online_s"));
        assert!(lines[0].ends_with(",missed,queued,avg_queue_s"));
        assert_eq!(
            lines[1],
            "op_1,\"'=Ann, \"\"the\"\" boss\",2026-12-04,61,0,0,0,2,15.0,0,,1,1.5,0,0,"
        );
        assert!(lines[2].contains(",total,"));
        assert!(lines[3].starts_with(",Team,2026-12-04,"));
        assert_eq!(lines.len(), 5);
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn time_in_each_presence_state_is_counted_once_across_midnight() {
        use crate::adapters::sqlite::SqliteStore;
        use crate::domain::{Role, testing};
        use crate::ports::Clock;

        let day = Day::parse("2026-12-04").unwrap();
        let hour = 3600 * 1000;
        let at = |h: i64| day.start() + h * hour;
        /// The report is read the moment Ann goes offline (02:00 the next day), whenever the test
        /// runs.
        struct WhenOffline(Millis);
        impl Clock for WhenOffline {
            fn now(&self) -> Millis {
                self.0
            }
        }
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let reports = Reports::new(&Stores::of(store.clone()), Arc::new(WhenOffline(at(26))));
        let mut admin = testing::operator("Ann", Role::Admin, OperatorStatus::Online);
        store.create_operator(&admin).await.unwrap();
        admin.version = 1;
        let (ws, id) = (admin.workspace.clone(), admin.id.clone());
        reports
            .presence_changed(&ws, &id, Presence::Online, at(22))
            .await;
        // The same state again: still online since 22:00.
        reports
            .presence_changed(&ws, &id, Presence::Online, at(23))
            .await;
        reports
            .presence_changed(&ws, &id, Presence::Away, at(25))
            .await;
        reports
            .presence_changed(&ws, &id, Presence::Offline, at(26))
            .await;
        let period = Period {
            from: "2026-12-04".into(),
            to: "2026-12-05".into(),
        };
        let report = reports.report(&admin, &period).await.unwrap();
        let ann = &report.operators[0].figures;
        assert_eq!(ann.days.len(), 2);
        assert_eq!(ann.days[0].day, "2026-12-04");
        assert_eq!(
            ann.days[0].figures,
            Figures::time_in(Presence::Online, 2 * hour as u64)
        );
        assert_eq!(
            ann.days[1].figures,
            Figures {
                online_ms: hour as u64,
                away_ms: hour as u64,
                ..Figures::default()
            }
        );
        assert_eq!(report.team.total.online_ms, 3 * hour as u64);
        assert_eq!(
            report.team.total.offline_ms, 0,
            "still offline: not counted yet"
        );

        // Without the right, no report.
        let mut colleague = testing::operator("Bob", Role::Operator, OperatorStatus::Online);
        colleague.workspace = ws.clone();
        assert!(matches!(
            reports.report(&colleague, &period).await,
            Err(AppError::Domain(DomainError::Forbidden(_)))
        ));
        colleague.rights = crate::domain::Rights::of([Right::ViewReports]);
        assert!(reports.report(&colleague, &period).await.is_ok());
    }
}
