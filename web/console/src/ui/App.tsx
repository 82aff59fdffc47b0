import { useEffect, useState } from "preact/hooks";
import type { OperatorStatus } from "../../../protocol/protocol";
import type { Store } from "../store";
import { step } from "../state/sidebar";
import { opensShortcuts, SHORTCUTS } from "../state/keys";
import { themeLabel } from "../state/theme";
import { can, seesSettings } from "../state/rights";
import { Sidebar } from "./Sidebar";
import { DialogPane } from "./DialogPane";
import { Icon } from "./Icons";
import { useModal } from "./escape";
import { Loading, useView } from "./lazy";
import { ApiError } from "../api";
import { signInRefused } from "../state/limits";
import { NotificationsButton } from "./Notifications";
import { workspaceLabels } from "../state/session";
import type { WorkspaceChoice } from "../../../protocol/protocol";

export function App({ store }: { store: Store }) {
  const me = store.session.me.value;
  const unread = store.sidebar.unreadDialogs.value;
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Parlor` : "Parlor";
  }, [unread]);
  const theme = store.theme.theme.value;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const [keys, setKeys] = useState(false);
  const [account, setAccount] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (opensShortcuts({ key: e.key, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey, target: e.target as HTMLElement | null })) {
        e.preventDefault();
        setKeys((open) => !open);
        return;
      }
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown") || store.page.value !== "dialogs") return;
      e.preventDefault();
      const next = step(store.sidebar.visible.value, store.dialog.selected.value, e.key === "ArrowDown" ? 1 : -1);
      if (next) void store.dialog.open(next, false);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [store]);
  if (!me) return <Login store={store} />;
  const offline = store.connection.state.value !== "online";
  // Settings is for admins and those whose groups may manage settings; the dialogs stay mounted
  // (hidden) under it, so nothing there is lost.
  const settings = seesSettings(me) && store.page.value === "settings";
  // Reports only for admins and those whose groups may view them (the server refuses the others).
  const reports = can(me, "view_reports") && store.page.value === "reports";
  // Loaded the first time each is opened: the console starts without their code.
  const SettingsView = useView(settings, () => import("./Settings"));
  const ReportsView = useView(reports, () => import("./Reports"));
  const AccountView = useView(account, () => import("./Account"));
  return (
    <div
      class="console"
      data-testid="console"
      data-ringing={String(store.sidebar.ringing.value)}
      data-connection={store.connection.state.value}
      data-open={String(store.dialog.selected.value !== null)}
    >
      <header class="top">
        <span class="brand">
          <Icon name="chat" size={18} />
          <span class="label">Parlor</span>
        </span>
        <span class="unread-count" data-testid="unread-dialogs" aria-label={`${unread} unread dialogs`}>
          {unread > 0 ? `${unread} unread` : "all read"}
        </span>
        {seesSettings(me) && (
          <button
            type="button"
            class="settings-button"
            aria-pressed={settings}
            onClick={() => (store.page.value = settings ? "dialogs" : "settings")}
            data-testid="settings-button"
          >
            <Icon name="settings" />
            <span class="label">Settings</span>
          </button>
        )}
        {can(me, "view_reports") && (
          <button type="button" class="settings-button" aria-pressed={reports} onClick={() => (store.page.value = reports ? "dialogs" : "reports")} data-testid="reports-button">
            <Icon name="chart" />
            <span class="label">Reports</span>
          </button>
        )}
        {!seesSettings(me) && <NotificationsButton store={store} />}
        <div class="top-actions">
          <button type="button" class="icon-button" aria-label={themeLabel(theme)} title={`${themeLabel(theme)} (click to switch)`} data-testid="theme" data-theme={theme} onClick={() => store.theme.cycle()}>
            <Icon name={theme === "dark" ? "moon" : theme === "light" ? "sun" : "system"} />
          </button>
          <button type="button" class="icon-button keys-button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" aria-haspopup="dialog" data-testid="keys-button" onClick={() => setKeys(true)}>
            <Icon name="keyboard" />
          </button>
          <div class="operator-card" data-testid="operator-card">
            <span class={`status-dot ${me.status}`} aria-hidden="true" />
            <button type="button" class="account-button" title="Your account: name, password, signing out" aria-haspopup="dialog" data-testid="account-button" onClick={() => setAccount(true)}>
              <span class="account-icon">
                <Icon name="user" />
              </span>
              <span class="operator-name">{me.name}</span>
            </button>
            <label class="visually-hidden" for="my-status">My status</label>
            <select id="my-status" data-testid="status" value={me.status} onChange={(e) => void store.session.setStatus(e.currentTarget.value as OperatorStatus)}>
              <option value="online">Online</option>
              <option value="away">Away</option>
              <option value="offline">Offline</option>
            </select>
            <button type="button" class="link" onClick={() => void store.session.signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      {offline && (
        <div class="banner" role="status" data-testid="offline-banner">
          Offline: reconnecting… Messages you write are kept and sent once back.
        </div>
      )}
      {store.notice.value && (
        <div class="notice" role="alert">
          {store.notice.value}
          <button type="button" class="link" onClick={() => (store.notice.value = null)}>
            Dismiss
          </button>
        </div>
      )}
      <div class="body" hidden={settings || reports}>
        <Sidebar store={store} />
        <DialogPane store={store} />
      </div>
      {settings && (SettingsView ? <SettingsView.Settings store={store} /> : <Loading />)}
      {reports && (ReportsView ? <ReportsView.Reports store={store} /> : <Loading />)}
      {keys && <Shortcuts onClose={() => setKeys(false)} />}
      {account && AccountView && <AccountView.Account store={store} onClose={() => setAccount(false)} />}
    </div>
  );
}

/** The keyboard shortcuts, on `?` or the header's keyboard button: a modal that Escape closes. */
function Shortcuts({ onClose }: { onClose(): void }) {
  const ref = useModal(onClose);
  return (
    <dialog ref={ref} class="keys" aria-labelledby="keys-title" data-testid="shortcuts" onCancel={(e) => (e.preventDefault(), onClose())}>
      <div class="popup-head">
        <h2 id="keys-title">Keyboard shortcuts</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose}>
          <Icon name="x" />
        </button>
      </div>
      <table>
        <tbody>
          {SHORTCUTS.map(([key, what]) => (
            <tr key={key}>
              <th scope="row">
                <kbd>{key}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </dialog>
  );
}

/**
 * Sign-in. Says why the last session ended on the server, if it did; where the email and password
 * sign in to several workspaces, offers them to choose from.
 */
function Login({ store }: { store: Store }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [ended] = useState(() => store.session.takeEndedMessage());
  const [choices, setChoices] = useState<WorkspaceChoice[]>([]);
  const [busy, setBusy] = useState(false);
  // Refused for too many attempts: the button waits as long as the server said.
  const [lockedUntil, setLockedUntil] = useState(0);
  useEffect(() => {
    if (!lockedUntil) return;
    const timer = setTimeout(() => setLockedUntil(0), Math.max(0, lockedUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [lockedUntil]);
  const signIn = async (workspace?: string) => {
    if (lockedUntil) return;
    setBusy(true);
    setError(null);
    try {
      await store.session.login(email, password, workspace);
    } catch (err) {
      if (err instanceof ApiError && err.code === "rate_limited" && err.retryAfter) {
        setChoices([]);
        setError(signInRefused(err.retryAfter, new Date()));
        setLockedUntil(Date.now() + err.retryAfter * 1000);
      } else if (err instanceof ApiError && err.code === "choose_workspace" && err.workspaces.length > 0) {
        setChoices(err.workspaces);
      } else {
        setChoices([]);
        setError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void signIn();
  };
  const edit = (set: (v: string) => void) => (e: Event) => {
    set((e.currentTarget as HTMLInputElement).value);
    setChoices([]);
  };
  return (
    <main class="login">
      <form onSubmit={submit} data-testid="login">
        <h1>
          <Icon name="chat" size={24} />
          Parlor
        </h1>
        {ended && !error && (
          <p class="notice-inline" role="status" data-testid="login-ended">
            {ended}
          </p>
        )}
        <label class="field">
          Email
          <input type="email" name="email" autocomplete="username" required value={email} onInput={edit(setEmail)} />
        </label>
        <label class="field">
          Password
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={edit(setPassword)} />
        </label>
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        {choices.length > 0 ? (
          <fieldset class="workspaces" data-testid="workspace-choice">
            <legend>This email signs in to several workspaces. Which one?</legend>
            {workspaceLabels(choices).map((w) => (
              <button type="button" class="primary" key={w.id} disabled={busy || !!lockedUntil} onClick={() => void signIn(w.id)} data-workspace={w.id}>
                {w.label}
              </button>
            ))}
          </fieldset>
        ) : (
          <button type="submit" class="primary" disabled={busy || !!lockedUntil}>
            Sign in
          </button>
        )}
      </form>
    </main>
  );
}
