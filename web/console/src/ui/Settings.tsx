import { useEffect, useRef, useState } from "preact/hooks";
import type { OperatorView, SiteView } from "../../../protocol/protocol";
import type { Store } from "../store";
import {
  embedSnippet,
  emptyOperatorForm,
  MIN_PASSWORD_CHARS,
  operatorFormErrors,
  siteForm,
  siteUpdate,
  type NewOperatorForm,
  type SiteForm,
} from "../state/settings";
import { Notifications } from "./Notifications";
import { PRESENCE_WORDS, lastAdminReason, presenceOf, teamOrder } from "../state/team";
import { limitsForm, MAX_LIMIT_MB, parseLimits, type LimitsForm } from "../state/attachments";
import { OperatorLink } from "./OperatorCard";
import { Icon } from "./Icons";
import { Outcome } from "./Outcome";
import { Groups } from "./Groups";
import { TagsSettings } from "./TagsSettings";
import { can } from "../state/rights";
import { HAND_BACK_MINUTES, handlingForm, limitWords, MAX_ACTIVE_CHATS, parseHandling, REPLY_LIMIT_MINUTES, RETENTION_DAYS, type HandlingForm } from "../state/handling";

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Settings: the team and its groups for admins, the sites, attachment limits and chat handling for
 * those who may manage settings, notifications for me. The dialogs stay mounted behind it, socket and drafts included.
 */
export function Settings({ store }: { store: Store }) {
  const me = store.session.me.value;
  const admin = me?.role === "admin";
  const manages = can(me, "manage_settings");
  useEffect(() => {
    if (manages) void store.workspace.loadSites();
    if (admin) void store.workspace.loadGroups();
    if (admin) void store.tags.load();
  }, [store, admin, manages]);
  return (
    <main class="settings" aria-labelledby="settings-title" data-testid="settings">
      <div class="settings-head">
        <h2 id="settings-title">Settings</h2>
        <button type="button" onClick={() => back(store)} data-testid="settings-close">
          <Icon name="back" />
          Back to dialogs
        </button>
      </div>
      {admin && <Team store={store} />}
      {admin && <Groups store={store} />}
      {admin && <TagsSettings store={store} />}
      {manages && <Sites store={store} />}
      {manages && <AttachmentLimits store={store} />}
      {manages && <ChatHandlingSettings store={store} />}
      <Notifications store={store} />
    </main>
  );
}

/** Back to the dialogs, with the focus on the header's Settings button rather than lost with this view. */
function back(store: Store): void {
  store.page.value = "dialogs";
  setTimeout(() => document.querySelector<HTMLButtonElement>('[data-testid="settings-button"]')?.focus());
}

function Team({ store }: { store: Store }) {
  const team = store.workspace.operators.value;
  return (
    <section class="settings-section" aria-labelledby="team-title" data-testid="team">
      <h3 id="team-title">Team</h3>
      <div class="table-wrap">
        <table class="team">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {teamOrder(team).map((o) => (
              <Member key={o.id} store={store} op={o} team={team} />
            ))}
          </tbody>
        </table>
      </div>
      <AddOperator store={store} />
    </section>
  );
}

/** What an admin is about to do to one operator, asked for before it is done. */
type Pending = { kind: "role" | "deactivate" | "reactivate" } | { kind: "password" };

/** One operator's row: who they are, and what an admin may do to them, each asked for first. */
function Member({ store, op, team }: { store: Store; op: OperatorView; team: OperatorView[] }) {
  const me = store.session.me.value!;
  const [pending, setPending] = useState<Pending | null>(null);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const lastAdmin = lastAdminReason(team, op);
  const whyId = `member-${op.id}-why`;
  const otherRole = op.role === "admin" ? "operator" : "admin";
  const run = async (work: () => Promise<void>, said: string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await work();
      setPending(null);
      setPassword("");
      setDone(said);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  const ask = (next: Pending) => {
    setPending(next);
    setError(null);
    setDone(null);
  };
  const question =
    pending?.kind === "role"
      ? `Make ${op.name} ${otherRole === "admin" ? "an admin" : "an operator"}?`
      : pending?.kind === "deactivate"
        ? `Deactivate ${op.name}? They are signed out everywhere, and the dialogs they are in charge of go back to the queue.`
        : pending?.kind === "reactivate"
          ? `Reactivate ${op.name}? They can sign in again.`
          : null;
  const confirm = () => {
    if (pending?.kind === "role") return run(() => store.workspace.setRole(op.id, otherRole), `${op.name} is now ${otherRole === "admin" ? "an admin" : "an operator"}.`);
    if (pending?.kind === "deactivate") return run(() => store.workspace.deactivate(op.id), `${op.name} was deactivated.`);
    if (pending?.kind === "reactivate") return run(() => store.workspace.reactivate(op.id), `${op.name} can sign in again.`);
  };
  const resetPassword = (e: Event) => {
    e.preventDefault();
    if ([...password.trim()].length < MIN_PASSWORD_CHARS) return setError(`At least ${MIN_PASSWORD_CHARS} characters.`);
    void run(() => store.workspace.resetPassword(op.id, password), `${op.name} was signed out everywhere and signs in with the new password.`);
  };
  return (
    <tr data-testid="team-member" data-operator={op.id} data-active={String(op.active)} class={op.active ? undefined : "inactive"}>
      <td>
        <OperatorLink store={store} id={op.id} name={op.name} />
      </td>
      <td>{op.email}</td>
      <td data-testid="team-role">{op.role === "admin" ? "Admin" : "Operator"}</td>
      <td data-testid="team-status" data-status={op.active ? op.status : "deactivated"} data-presence={presenceOf(op)}>
        {op.active ? (
          <>
            <span class={`status-dot ${presenceOf(op)}`} aria-hidden="true" /> {PRESENCE_WORDS[presenceOf(op)]}
          </>
        ) : (
          "deactivated"
        )}
      </td>
      <td>
        {pending === null ? (
          <div class="actions">
            {op.active ? (
              <>
                <button type="button" disabled={!!lastAdmin && op.role === "admin"} aria-describedby={lastAdmin ? whyId : undefined} onClick={() => ask({ kind: "role" })} data-testid="member-role">
                  {op.role === "admin" ? "Make operator" : "Make admin"}
                </button>
                {op.id !== me.id && (
                  <button type="button" onClick={() => ask({ kind: "password" })} data-testid="member-password">
                    Reset password
                  </button>
                )}
                <button type="button" class="danger" disabled={!!lastAdmin} aria-describedby={lastAdmin ? whyId : undefined} onClick={() => ask({ kind: "deactivate" })} data-testid="member-deactivate">
                  Deactivate
                </button>
              </>
            ) : (
              <button type="button" onClick={() => ask({ kind: "reactivate" })} data-testid="member-reactivate">
                Reactivate
              </button>
            )}
            {lastAdmin && (
              <span class="why" id={whyId} data-testid="member-why">
                {lastAdmin}
              </span>
            )}
          </div>
        ) : pending.kind === "password" ? (
          <form class="member-form" onSubmit={resetPassword} noValidate data-testid="member-password-form">
            <label>
              <span class="visually-hidden">New password for {op.name}</span>
              <input type="password" autocomplete="new-password" placeholder="New password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
            <button type="submit" class="primary" disabled={busy} data-testid="member-password-save">
              Set password
            </button>
            <button type="button" onClick={() => setPending(null)}>
              Cancel
            </button>
          </form>
        ) : (
          <div class="confirm" role="alert" data-testid="member-confirm">
            <span>{question}</span>
            <button type="button" class={pending.kind === "deactivate" ? "danger" : "primary"} disabled={busy} onClick={() => void confirm()} data-testid="member-confirm-yes">
              {pending.kind === "deactivate" ? "Deactivate" : "Yes"}
            </button>
            <button type="button" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        )}
        <Outcome error={error} done={done} testid={{ error: "member-error", done: "member-done" }} />
      </td>
    </tr>
  );
}

function AddOperator({ store }: { store: Store }) {
  const [form, setForm] = useState<NewOperatorForm>(emptyOperatorForm);
  const [tried, setTried] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = tried ? operatorFormErrors(form) : {};
  const set = (patch: Partial<NewOperatorForm>) => {
    setForm({ ...form, ...patch });
    setAdded(null);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setRefusal(null);
    if (Object.keys(operatorFormErrors(form)).length > 0) return;
    setBusy(true);
    try {
      const op = await store.workspace.addOperator({ ...form, name: form.name.trim(), email: form.email.trim() });
      setAdded(`${op.name} was added. They sign in with ${op.email} and the password you gave.`);
      setForm(emptyOperatorForm);
      setTried(false);
    } catch (err) {
      setRefusal(message(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (name: keyof NewOperatorForm) =>
    errors[name] ? { "aria-invalid": true, "aria-describedby": `new-operator-${name}-error` } : {};
  return (
    <form class="settings-form" onSubmit={submit} noValidate aria-labelledby="add-operator-title" data-testid="add-operator">
      <h4 id="add-operator-title">Add operator</h4>
      <div class="fields">
        <label>
          Name
          <input name="name" autocomplete="off" value={form.name} onInput={(e) => set({ name: e.currentTarget.value })} {...field("name")} />
          {errors.name && <span class="error" id="new-operator-name-error">{errors.name}</span>}
        </label>
        <label>
          Email
          <input name="email" type="email" autocomplete="off" value={form.email} onInput={(e) => set({ email: e.currentTarget.value })} {...field("email")} />
          {errors.email && <span class="error" id="new-operator-email-error">{errors.email}</span>}
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            minLength={MIN_PASSWORD_CHARS}
            value={form.password}
            onInput={(e) => set({ password: e.currentTarget.value })}
            {...field("password")}
          />
          {errors.password && <span class="error" id="new-operator-password-error">{errors.password}</span>}
        </label>
        <label>
          Role
          <select name="role" value={form.role} onChange={(e) => set({ role: e.currentTarget.value === "admin" ? "admin" : "operator" })}>
            <option value="operator">Operator</option>
            <option value="admin">Admin</option>
          </select>
        </label>
      </div>
      <div class="form-bar">
        <button type="submit" class="primary" disabled={busy}>
          <Icon name="plus" />
          Add operator
        </button>
        <Outcome error={refusal} done={added} testid={{ error: "add-operator-error", done: "add-operator-done" }} />
      </div>
    </form>
  );
}

/** How large images and other files may be, in MB: checked here, then by the server on every upload. */
function AttachmentLimits({ store }: { store: Store }) {
  const [form, setForm] = useState<LimitsForm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    store.attachments.reloadLimits().then(
      (l) => setForm(limitsForm(l)),
      (e) => setError(`Could not load the limits: ${message(e)}`),
    );
  }, [store]);
  const set = (patch: Partial<LimitsForm>) => {
    setForm({ ...form!, ...patch });
    setSaved(null);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(null);
    const parsed = parseLimits(form!);
    if (!parsed.ok) return setError(parsed.error);
    setError(null);
    setBusy(true);
    try {
      const answer = await store.attachments.saveLimits(parsed.value);
      const shown = limitsForm(answer);
      setForm(shown);
      setSaved(`Saved. Images up to ${shown.image} MB, other files up to ${shown.file} MB.`);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  const input = (key: keyof LimitsForm) => (
    <input
      name={`${key}_max_mb`}
      type="number"
      min={1}
      max={MAX_LIMIT_MB}
      step="any"
      value={form?.[key] ?? ""}
      aria-describedby="limits-hint"
      onInput={(e) => set({ [key]: e.currentTarget.value })}
      data-testid={`limit-${key}`}
    />
  );
  return (
    <section class="settings-section" aria-labelledby="limits-title" data-testid="attachment-limits">
      <h3 id="limits-title">Attachments</h3>
      {form === null ? (
        error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : (
          <p class="muted">Loading the limits…</p>
        )
      ) : (
        <form class="settings-form" onSubmit={submit} noValidate aria-labelledby="limits-title">
          <div class="fields">
            <label>
              Images, MB
              {input("image")}
            </label>
            <label>
              Other files, MB
              {input("file")}
            </label>
          </div>
          <span class="hint" id="limits-hint">
            The largest file operators and visitors may send, from 1 to {MAX_LIMIT_MB} MB.
          </span>
          <div class="form-bar">
            <button type="submit" class="primary" disabled={busy} data-testid="limits-save">
              Save
            </button>
            <Outcome error={error} done={saved} testid={{ error: "limits-error", done: "limits-saved" }} />
          </div>
        </form>
      )}
    </section>
  );
}

/**
 * How the workspace handles chats: automatic distribution and its limit per operator, whether held
 * dialogs count, when an operator without a console hands their dialogs back, and the reply-time
 * limit the sidebar's processing order follows. Every console hears a saved change.
 */
function ChatHandlingSettings({ store }: { store: Store }) {
  const [form, setForm] = useState<HandlingForm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    store.api.chatHandling().then(
      (h) => setForm(handlingForm(h)),
      (e) => setError(`Could not load the chat handling settings: ${message(e)}`),
    );
  }, [store]);
  const set = (patch: Partial<HandlingForm>) => {
    setForm({ ...form!, ...patch });
    setSaved(null);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(null);
    const parsed = parseHandling(form!);
    if (!parsed.ok) return setError(parsed.error);
    setError(null);
    setBusy(true);
    try {
      const answer = await store.workspace.saveHandling(parsed.value);
      setForm(handlingForm(answer));
      setSaved(`Saved: distribution ${answer.distribution ? "on" : "off"}, ${limitWords(answer.reply_time_limit_secs)}.`);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="settings-section" aria-labelledby="handling-title" data-testid="chat-handling">
      <h3 id="handling-title">Chat handling</h3>
      {form === null ? (
        error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : (
          <p class="muted">Loading the settings…</p>
        )
      ) : (
        <form class="settings-form" onSubmit={submit} noValidate aria-labelledby="handling-title">
          <div class="fields">
            <label class="inline">
              <input type="checkbox" name="distribution" checked={form.distribution} onChange={(e) => set({ distribution: e.currentTarget.checked })} data-testid="handling-distribution" />
              Assign new dialogs automatically
            </label>
            <label>
              Active chats per operator
              <input
                name="max_active_chats"
                type="number"
                min={MAX_ACTIVE_CHATS.min}
                max={MAX_ACTIVE_CHATS.max}
                step={1}
                value={form.maxActiveChats}
                onInput={(e) => set({ maxActiveChats: e.currentTarget.value })}
                data-testid="handling-max-chats"
              />
            </label>
            <label class="inline">
              <input type="checkbox" name="held_counts" checked={form.heldCounts} onChange={(e) => set({ heldCounts: e.currentTarget.checked })} data-testid="handling-held-counts" />
              Dialogs on hold count against the limit
            </label>
            <label>
              Hand back after, minutes without a console
              <input
                name="hand_back_minutes"
                type="number"
                min={HAND_BACK_MINUTES.min}
                max={HAND_BACK_MINUTES.max}
                step="any"
                value={form.handBackMinutes}
                onInput={(e) => set({ handBackMinutes: e.currentTarget.value })}
                data-testid="handling-hand-back"
              />
            </label>
            <label class="inline">
              <input type="checkbox" name="limit_on" checked={form.limitOn} onChange={(e) => set({ limitOn: e.currentTarget.checked })} data-testid="handling-limit-on" />
              Reply-time limit
            </label>
            <label>
              Reply within, minutes
              <input
                name="reply_limit_minutes"
                type="number"
                min={REPLY_LIMIT_MINUTES.min}
                max={REPLY_LIMIT_MINUTES.max}
                step="any"
                disabled={!form.limitOn}
                value={form.limitMinutes}
                aria-describedby="handling-hint"
                onInput={(e) => set({ limitMinutes: e.currentTarget.value })}
                data-testid="handling-limit"
              />
            </label>
          </div>
          <span class="hint" id="handling-hint">
            With a reply-time limit the dialog list offers the processing order: the reply due first, overdue ones marked. From 1 minute to 7 days.
          </span>
          <label>
            Delete closed dialogs after, days (empty: keep them)
            <input
              name="retention_days"
              type="number"
              min={RETENTION_DAYS.min}
              max={RETENTION_DAYS.max}
              value={form.retentionDays}
              aria-describedby="retention-hint"
              onInput={(e) => set({ retentionDays: e.currentTarget.value })}
              data-testid="handling-retention-days"
            />
          </label>
          <span class="hint" id="retention-hint">
            With its messages and files, unless it reopens first; for dialogs closed from then on.
          </span>
          <div class="form-bar">
            <button type="submit" class="primary" disabled={busy} data-testid="handling-save">
              Save
            </button>
            <Outcome error={error} done={saved} testid={{ error: "handling-error", done: "handling-saved" }} />
          </div>
        </form>
      )}
    </section>
  );
}

function Sites({ store }: { store: Store }) {
  const sites = store.workspace.sites.value;
  return (
    <section class="settings-section" aria-labelledby="sites-title" data-testid="sites">
      <h3 id="sites-title">Sites</h3>
      {store.workspace.sitesError.value && (
        <p class="error" role="alert">
          {store.workspace.sitesError.value}
        </p>
      )}
      {sites === null ? <p class="muted">Loading the sites…</p> : sites.map((s) => <SiteCard key={s.key} store={store} site={s} />)}
    </section>
  );
}

function SiteCard({ store, site }: { store: Store; site: SiteView }) {
  const [form, setForm] = useState<SiteForm>(() => siteForm(site));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = (part: string) => `site-${site.key}-${part}`;
  const set = (patch: Partial<SiteForm>) => {
    setForm({ ...form, ...patch });
    setSaved(null);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(null);
    const update = siteUpdate(form);
    if (!update.ok) {
      setError(update.error);
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const answer = await store.workspace.saveSite(site.key, update.value);
      setForm(siteForm(answer));
      setSaved(
        answer.allowed_origins.length === 0
          ? "Saved. The widget may run on any site."
          : `Saved. The widget may run on ${answer.allowed_origins.join(", ")}.`,
      );
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="site" aria-labelledby={id("name")} data-testid="site" data-site={site.key}>
      <h4 id={id("name")}>{site.name}</h4>
      <p class="muted">
        Site key: <code data-testid="site-key">{site.key}</code>
      </p>
      <Snippet text={embedSnippet(location.origin, site.key)} id={id("snippet")} />
      <form class="settings-form" onSubmit={submit} noValidate aria-label={`Widget of ${site.name}`} data-testid="site-form">
        <div class="fields">
          <label>
            Colour
            <span class="colour">
              <input
                name="color"
                value={form.color}
                aria-describedby={id("color-hint")}
                onInput={(e) => set({ color: e.currentTarget.value })}
                data-testid="site-color"
              />
              <input
                type="color"
                aria-label="Pick the colour"
                value={/^#[0-9a-fA-F]{6}$/.test(form.color.trim()) ? form.color.trim().toLowerCase() : "#000000"}
                onInput={(e) => set({ color: e.currentTarget.value })}
              />
            </span>
            <span class="hint" id={id("color-hint")}>
              #rrggbb: the bubble and the visitor's own messages
            </span>
          </label>
          <fieldset>
            <legend>Corner</legend>
            {(["right", "left"] as const).map((p) => (
              <label key={p} class="inline">
                <input type="radio" name={id("position")} value={p} checked={form.position === p} onChange={() => set({ position: p })} />
                {p === "right" ? "Bottom right" : "Bottom left"}
              </label>
            ))}
          </fieldset>
          <label class="inline">
            <input type="checkbox" name="show_operator_names" checked={form.showOperatorNames} onChange={(e) => set({ showOperatorNames: e.currentTarget.checked })} />
            Show operator names to visitors
          </label>
        </div>
        <label class="wide">
          Greeting
          <textarea name="greeting" rows={2} value={form.greeting} aria-describedby={id("greeting-hint")} onInput={(e) => set({ greeting: e.currentTarget.value })} data-testid="site-greeting" />
          <span class="hint" id={id("greeting-hint")}>
            Shown first in an empty dialog; empty: the widget's own words in the visitor's language.
          </span>
        </label>
        <label class="wide">
          Allowed origins
          <textarea
            name="allowed_origins"
            rows={3}
            value={form.origins}
            spellcheck={false}
            aria-describedby={id("origins-hint")}
            onInput={(e) => set({ origins: e.currentTarget.value })}
            data-testid="site-origins"
          />
          <span class="hint" id={id("origins-hint")}>
            One per line, like https://shop.example. Empty: the widget runs on any site.
          </span>
        </label>
        <div class="form-bar">
          <button type="submit" class="primary" disabled={busy} data-testid="site-save">
            Save
          </button>
          <Outcome error={error} done={saved} testid={{ error: "site-error", done: "site-saved" }} />
        </div>
      </form>
    </article>
  );
}

/** The script tag to copy; where the clipboard is refused, the text is selected for Ctrl+C. */
function Snippet({ text, id }: { text: string; id: string }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied.");
    } catch {
      ref.current?.focus();
      ref.current?.select();
      setCopied("Selected: press Ctrl+C (⌘C) to copy.");
    }
  };
  return (
    <div class="snippet">
      <label for={id}>Embed snippet: put it on every page of the site</label>
      <div class="snippet-row">
        <textarea id={id} ref={ref} readOnly rows={2} value={text} spellcheck={false} onFocus={(e) => e.currentTarget.select()} data-testid="snippet" />
        <button type="button" onClick={() => void copy()} data-testid="snippet-copy">
          Copy
        </button>
      </div>
      <span class="hint" role="status">
        {copied}
      </span>
    </div>
  );
}
