import { useEffect, useState } from "preact/hooks";
import type { LiveBoard, Report } from "../../../protocol/protocol";
import type { Store } from "../store";
import { closedPerDay, lastWeek, periodProblem, presenceShares, row, rows } from "../state/reports";
import { Icon } from "./Icons";
import { OperatorLink } from "./OperatorCard";
import { PRESENCE_WORDS } from "../state/team";

const CHART_W = 600;
const CHART_H = 120;
const PRESENCE_W = 200;

/** Reports (seed 001), for admins and those whose groups may view them: a period's figures per operator and team, charts, CSV, and the live board. */
export function Reports({ store }: { store: Store }) {
  const [period, setPeriod] = useState(() => lastWeek(new Date()));
  const [report, setReport] = useState<Report | null>(null);
  const [live, setLive] = useState<LiveBoard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async () => {
    const problem = periodProblem(period.from, period.to);
    setError(problem);
    if (problem) return;
    try {
      setReport(await store.api.report(period.from, period.to));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const refreshLive = () => void store.api.liveBoard().then(setLive, (e: Error) => setError(e.message));
  useEffect(() => {
    void show();
    refreshLive();
    // The first period and board only; later ones when asked.
  }, []);
  const download = async () => {
    try {
      const csv = await store.api.reportCsv(period.from, period.to);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      a.download = `parlor-report-${period.from}-${period.to}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const team = report && row("", "Team", report.team.total);
  const bars = report ? closedPerDay(report, CHART_H) : [];
  const w = bars.length ? CHART_W / bars.length : 0;
  return (
    <main class="settings reports" aria-labelledby="reports-title" data-testid="reports">
      <div class="settings-head">
        <h2 id="reports-title">Reports</h2>
        <button type="button" onClick={() => (store.page.value = "dialogs")} data-testid="reports-close">
          <Icon name="back" />
          Back to dialogs
        </button>
      </div>
      <form class="period" onSubmit={(e) => (e.preventDefault(), void show())} data-testid="period">
        <label class="field">
          From
          <input type="date" value={period.from} onInput={(e) => setPeriod({ ...period, from: e.currentTarget.value })} data-testid="period-from" />
        </label>
        <label class="field">
          To
          <input type="date" value={period.to} onInput={(e) => setPeriod({ ...period, to: e.currentTarget.value })} data-testid="period-to" />
        </label>
        <button type="submit" class="primary" data-testid="period-show">
          Show
        </button>
        <button type="button" onClick={() => void download()} data-testid="report-csv">
          Download CSV
        </button>
      </form>
      {error && (
        <p class="error" role="alert" data-testid="report-error">
          {error}
        </p>
      )}
      {report && team && (
        <section class="settings-section" aria-labelledby="figures-title">
          <h3 id="figures-title">
            {report.from} to {report.to} (UTC)
          </h3>
          <div class="table-scroll">
            <table class="team report-table" data-testid="report-table">
              <thead>
                <tr>
                  <th scope="col">Operator</th>
                  <th scope="col">Closed</th>
                  <th scope="col">First response</th>
                  <th scope="col">Reply</th>
                  <th scope="col">Resolution</th>
                  <th scope="col">Missed</th>
                  <th scope="col">Queued</th>
                  <th scope="col">Queue wait</th>
                  <th scope="col">Online</th>
                  <th scope="col">Away</th>
                  <th scope="col">Offline</th>
                  <th scope="col">No console</th>
                  <th scope="col">Time by state</th>
                </tr>
              </thead>
              <tbody>
                {[...rows(report), team].map((r) => (
                  <tr key={r.id || "team"} data-testid={r.id ? "report-row" : "report-team"} data-operator={r.id || undefined}>
                    <th scope="row">{r.id ? <OperatorLink store={store} id={r.id} name={r.name} /> : r.name}</th>
                    <td data-cell="closed">{r.closed}</td>
                    <td data-cell="first-response">{r.firstResponse}</td>
                    <td data-cell="reply">{r.reply}</td>
                    <td data-cell="resolution">{r.resolution}</td>
                    <td data-cell="missed">{r.missed}</td>
                    <td data-cell="queued">{r.queued}</td>
                    <td data-cell="queue-wait">{r.queueWait}</td>
                    <td>{r.online}</td>
                    <td>{r.away}</td>
                    <td>{r.offline}</td>
                    <td>{r.noConsole}</td>
                    <td>
                      <PresenceBar figures={r.id ? report.operators.find((o) => o.id === r.id)!.total : report.team.total} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <figure class="chart">
            <svg viewBox={`0 0 ${CHART_W} ${CHART_H + 16}`} role="img" aria-label="Closed dialogs per day" data-testid="closed-chart">
              {bars.map((b, i) => (
                <g key={b.label}>
                  <rect x={i * w + 1} y={CHART_H - b.size} width={Math.max(1, w - 2)} height={b.size} class="bar">
                    <title>{`${b.label}: ${b.value} closed`}</title>
                  </rect>
                  {bars.length <= 31 && (
                    <text x={i * w + w / 2} y={CHART_H + 12} text-anchor="middle">
                      {b.label}
                    </text>
                  )}
                </g>
              ))}
            </svg>
            <figcaption>Closed dialogs per day</figcaption>
          </figure>
        </section>
      )}
      <section class="settings-section" aria-labelledby="live-title" data-testid="live-board">
        <h3 id="live-title">Now</h3>
        <button type="button" onClick={refreshLive} data-testid="live-refresh">
          Refresh
        </button>
        {live && (
          <>
            <p>
              <span data-testid="live-open">{live.open}</span> open, <span data-testid="live-waiting">{live.waiting}</span> waiting, <span data-testid="live-queued">{live.queued}</span> queued
            </p>
            <ul class="live-operators">
              {live.operators.map((o) => (
                <li key={o.id} data-testid="live-operator" data-operator={o.id} data-available={String(o.available)}>
                  <span class={`status-dot ${o.presence}`} aria-hidden="true" /> <OperatorLink store={store} id={o.id} name={o.name} /> {PRESENCE_WORDS[o.presence]}, {o.load} open
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </main>
  );
}

/** One operator's time by presence state, as a stacked bar. */
function PresenceBar({ figures }: { figures: Report["team"]["total"] }) {
  let x = 0;
  return (
    <svg viewBox={`0 0 ${PRESENCE_W} 10`} width="100" height="10" role="img" aria-label="Time by state">
      {presenceShares(figures, PRESENCE_W).map((s) => {
        const at = x;
        x += s.size;
        return <rect key={s.part} x={at} width={s.size} height="10" class={`share ${s.part}`}><title>{s.label}</title></rect>;
      })}
    </svg>
  );
}
