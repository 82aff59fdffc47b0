// Seed 001's "Unite" window, loaded the first time it opens: find a contact by first or last name,
// see both side by side, and pull the one on the right into the one on the left. It also opens by
// itself when a visitor gave an e-mail or phone another contact holds (the card's `offers`).
import { useEffect, useState } from "preact/hooks";
import type { ContactView } from "../../../protocol/protocol";
import type { ApiError } from "../api";
import type { Store } from "../store";

/** What the two sides are compared by: a row each. */
const rows: [string, (c: ContactView) => string][] = [
  ["Name", (c) => c.name],
  ["Email", (c) => [c.email, ...(c.other_emails ?? [])].filter(Boolean).join(", ")],
  ["Phone", (c) => [c.phone, ...(c.other_phones ?? [])].filter(Boolean).join(", ")],
  ["Notes", (c) => c.notes],
  ["Fields", (c) => Object.entries(c.fields).map(([k, v]) => `${k}: ${v}`).join(", ")],
];

/** One side of the window: the contact as it is, or a search to pick one. */
function Side({ store, contact, other, onPick, testid }: { store: Store; contact: ContactView | null; other: ContactView | null; onPick: (c: ContactView) => void; testid: string }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<ContactView[]>([]);
  useEffect(() => {
    let current = true;
    const t = setTimeout(() => void store.contacts.find(query).then((list) => current && setFound(list.filter((c) => c.id !== other?.id))), 250);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [query, other?.id]);
  if (contact) {
    return (
      <div class="merge-side" data-testid={testid} data-contact={contact.id}>
        {rows.map(([label, value]) => (
          <p key={label}>
            <span class="muted">{label}</span> {value(contact) || "—"}
          </p>
        ))}
      </div>
    );
  }
  return (
    <div class="merge-side" data-testid={testid}>
      <label>
        Find a contact by first or last name, e-mail or phone
        <input type="search" value={query} data-testid="merge-search" onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      </label>
      {found.map((c) => (
        <button type="button" class="link merge-result" key={c.id} data-testid="merge-result" data-contact={c.id} onClick={() => onPick(c)}>
          {c.name}
          {c.email && ` · ${c.email}`}
          {c.phone && ` · ${c.phone}`}
        </button>
      ))}
      {query.trim() && found.length === 0 && <p class="muted">No contact found.</p>}
    </div>
  );
}

/**
 * Two contacts side by side; "Unite" pulls the right one into the left one (its dialogs, e-mails,
 * phones, notes and fields), "⇄" swaps them. `because` says why the window opened by itself.
 */
export function MergeWindow({ store, left: first, right: second, because, onClose }: { store: Store; left: ContactView; right: ContactView | null; because?: string; onClose: () => void }) {
  const [left, setLeft] = useState<ContactView | null>(first);
  const [right, setRight] = useState<ContactView | null>(second);
  const [refused, setRefused] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const unite = async () => {
    if (!left || !right) return;
    setBusy(true);
    const error = await store.contacts.merge(left.id, right.id);
    setBusy(false);
    if (error) setRefused(error);
    else onClose();
  };
  return (
    <div class="merge-window" role="dialog" aria-modal="true" aria-labelledby="merge-title" data-testid="merge-window">
      <h3 id="merge-title">Merge contacts</h3>
      {because && (
        <p class="muted" data-testid="merge-because">
          {because}
        </p>
      )}
      <p class="muted">The contact on the right is pulled into the contact on the left: its dialogs, e-mails, phones, notes and fields move there.</p>
      <div class="merge-sides">
        <Side store={store} contact={left} other={right} onPick={setLeft} testid="merge-left" />
        <button
          type="button"
          class="link"
          title="Swap the two"
          data-testid="merge-swap"
          onClick={() => {
            setLeft(right);
            setRight(left);
          }}
        >
          ⇄
        </button>
        <Side store={store} contact={right} other={left} onPick={setRight} testid="merge-right" />
      </div>
      {refused && (
        <p class="error" role="alert" data-testid="merge-error">
          {refused.message}
        </p>
      )}
      <button type="button" class="primary" data-testid="merge-unite" disabled={!left || !right || busy} onClick={() => void unite()}>
        Unite
      </button>{" "}
      <button type="button" data-testid="merge-cancel" onClick={onClose}>
        {because ? "Not now" : "Cancel"}
      </button>
    </div>
  );
}
