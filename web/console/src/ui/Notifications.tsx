import { useEffect, useMemo } from "preact/hooks";
import type { PushChoices } from "../../../protocol/protocol";
import type { Store } from "../store";
import { NotificationsStore } from "../stores/notifications";

const CHOICES: { key: keyof PushChoices; label: string }[] = [
  { key: "new_dialogs", label: "New dialogs" },
  { key: "transfers", label: "Dialogs transferred to me" },
  { key: "messages", label: "Messages in my dialogs" },
];

const STATE_TEXT = {
  unsupported: "This browser cannot receive push notifications.",
  unavailable: "This server sends no push notifications.",
  denied: "Notifications are blocked for this site: allow them in the browser's site settings.",
  off: "Off in this browser.",
  on: "On in this browser.",
  busy: "…",
};

/**
 * Push notifications, for when no console tab is open: turn them on in this browser (the
 * browser asks for permission) and choose what is pushed.
 */
export function Notifications({ store }: { store: Store }) {
  const push = useMemo(() => new NotificationsStore(store.api), [store]);
  useEffect(() => {
    void push.load();
  }, [push]);
  const state = push.state.value;
  return (
    <section class="settings-section" aria-labelledby="notifications-title" data-testid="notifications">
      <h3 id="notifications-title">Notifications</h3>
      <p>Pushed to this device while none of your Parlor tabs is open.</p>
      <p data-testid="push-state" data-state={state}>
        {STATE_TEXT[state]}{" "}
        {state === "off" && (
          <button type="button" onClick={() => void push.enable()} data-testid="push-enable">
            Turn on
          </button>
        )}
        {state === "on" && (
          <button type="button" onClick={() => void push.disable()} data-testid="push-disable">
            Turn off
          </button>
        )}
      </p>
      <fieldset disabled={state === "unavailable"}>
        <legend>Notify me of</legend>
        {CHOICES.map(({ key, label }) => (
          <label key={key}>
            <input
              type="checkbox"
              checked={push.choices.value[key]}
              onChange={(e) => void push.choose({ [key]: e.currentTarget.checked })}
              data-testid={`push-${key}`}
            />{" "}
            {label}
          </label>
        ))}
      </fieldset>
      {push.error.value && (
        <p role="alert" class="error">
          {push.error.value}
        </p>
      )}
    </section>
  );
}

/** The header's way to the same section, for operators without Settings. */
export function NotificationsButton({ store }: { store: Store }) {
  return (
    <details class="notifications-menu" data-testid="notifications-menu">
      <summary>Notifications</summary>
      <Notifications store={store} />
    </details>
  );
}
