import { useState } from "preact/hooks";
import type { Store } from "../store";
import { MIN_PASSWORD_CHARS } from "../state/settings";
import { Icon } from "./Icons";
import { useModal } from "./escape";

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The signed-in operator's own account, from the header's name: the display name, the password,
 * and signing out on the server (this session, or every session of mine). A modal that Escape closes.
 */
export function Account({ store, onClose }: { store: Store; onClose(): void }) {
  const ref = useModal(onClose);
  return (
    <dialog ref={ref} class="account" aria-labelledby="account-title" data-testid="account" onCancel={(e) => (e.preventDefault(), onClose())}>
      <div class="popup-head">
        <h2 id="account-title">Your account</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={onClose} data-testid="account-close">
          <Icon name="x" />
        </button>
      </div>
      <p class="muted">{store.session.me.value?.email}</p>
      <DisplayName store={store} />
      <Password store={store} />
      <SignOut store={store} />
    </dialog>
  );
}

function DisplayName({ store }: { store: Store }) {
  const [name, setName] = useState(store.session.me.value?.name ?? "");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (!name.trim()) return setError("Give a name.");
    setBusy(true);
    try {
      await store.session.rename(name.trim());
      setName(store.session.me.value?.name ?? name.trim());
      setDone("Saved. Colleagues see the new name; messages already sent keep the old one.");
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="account-form" onSubmit={submit} noValidate aria-labelledby="account-name-title" data-testid="account-name">
      <h3 id="account-name-title">Display name</h3>
      <label>
        Name
        <input name="name" autocomplete="name" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <div class="form-bar">
        <button type="submit" class="primary" disabled={busy}>
          Save name
        </button>
        <Said error={error} done={done} testid="account-name" />
      </div>
    </form>
  );
}

function Password({ store }: { store: Store }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (!current) return setError("Give your current password.");
    if ([...next.trim()].length < MIN_PASSWORD_CHARS) return setError(`The new password needs at least ${MIN_PASSWORD_CHARS} characters.`);
    setBusy(true);
    try {
      await store.session.changePassword(current, next);
      setCurrent("");
      setNext("");
      setDone("Password changed. You were signed out on every other device.");
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="account-form" onSubmit={submit} noValidate aria-labelledby="account-password-title" data-testid="account-password">
      <h3 id="account-password-title">Password</h3>
      <input type="text" name="username" autocomplete="username" value={store.session.me.value?.email ?? ""} hidden readOnly />
      <label>
        Current password
        <input name="current-password" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
      </label>
      <label>
        New password
        <input name="new-password" type="password" autocomplete="new-password" minLength={MIN_PASSWORD_CHARS} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
      </label>
      <div class="form-bar">
        <button type="submit" class="primary" disabled={busy}>
          Change password
        </button>
        <Said error={error} done={done} testid="account-password" />
      </div>
    </form>
  );
}

function SignOut({ store }: { store: Store }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const everywhere = async () => {
    setError(null);
    try {
      await store.session.signOutEverywhere();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <section class="account-form" aria-labelledby="account-sessions-title" data-testid="account-sessions">
      <h3 id="account-sessions-title">Signing out</h3>
      <div class="form-bar">
        <button type="button" onClick={() => void store.session.signOut()} data-testid="account-sign-out">
          Sign out
        </button>
        <button type="button" class="danger" onClick={() => setAsking(true)} data-testid="account-sign-out-everywhere">
          Sign out everywhere
        </button>
      </div>
      {asking && (
        <div class="confirm" role="alert" data-testid="account-confirm">
          <span>Sign out on every device, this one too?</span>
          <button type="button" class="danger" onClick={() => void everywhere()} data-testid="account-confirm-yes">
            Sign out everywhere
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Stay signed in
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function Said({ error, done, testid }: { error: string | null; done: string | null; testid: string }) {
  return (
    <>
      {error && (
        <p class="error" role="alert" data-testid={`${testid}-error`}>
          {error}
        </p>
      )}
      {done && (
        <p class="saved" role="status" data-testid={`${testid}-done`}>
          {done}
        </p>
      )}
    </>
  );
}
