import { useEffect, useState } from "preact/hooks";
import { megabytes } from "../../../common/upload";
import type { ContactCard as Card, ContactExport, ContactView } from "../../../protocol/protocol";
import type { ApiError } from "../api";
import { fieldOf } from "../state/contacts";
import { can } from "../state/rights";
import type { Store } from "../store";
import { ContactTags } from "./ContactTags";
import { Loading, useView } from "./lazy";

/** Merges offered by themselves that the operator put off ("Not now"), this session: left and right ids. */
const putOff = new Set<string>();

/** The merge window as it is open: its two sides, and why it opened by itself. */
type Merging = { left: ContactView; right: ContactView | null; because?: string };

/** The form's values by field: name, email, phone, notes and the custom fields' keys. */
type Draft = Record<string, string>;

const draftOf = ({ contact: c, fields }: Card): Draft => ({
  name: c.named ? c.name : "",
  email: c.email ?? "",
  phone: c.phone ?? "",
  notes: c.notes,
  ...Object.fromEntries(fields.map((f) => [f.key, c.fields[f.key] ?? ""])),
});

/**
 * The person behind the dialog (seed 001's contact card), as a form: name, e-mail, phone, the
 * workspace's own fields and notes; the channels they wrote through, the active one marked; every
 * dialog of theirs I may see, each opened with a click, each unpinned after a confirmation. With the
 * right to delete dialogs: export everything about them (a link to one ZIP) and erase them entirely,
 * after a confirmation that names what goes.
 */
export function ContactCard({ store, contactId, dialogId }: { store: Store; contactId: string; dialogId: string }) {
  const card = store.contacts.cards.value.get(contactId);
  const [draft, setDraft] = useState<Draft>({});
  const [refused, setRefused] = useState<ApiError | null>(null);
  /** The dialog whose unpin waits for a confirmation. */
  const [unpinning, setUnpinning] = useState<string | null>(null);
  const [merging, setMerging] = useState<Merging | null>(null);
  const Merge = useView(merging !== null, () => import("./Merge"));
  /** The export asked for (`true` while it is built), then its link. */
  const [exported, setExported] = useState<ContactExport | boolean>(false);
  const [erasing, setErasing] = useState(false);
  // Asked again each time a dialog of theirs opens: its list of dialogs may have grown.
  useEffect(() => void store.contacts.load(contactId), [contactId, dialogId]);
  // A card (re)loaded, saved or changed by a colleague shows as it is now.
  useEffect(() => void (card && setDraft(draftOf(card))), [card]);
  // Seed 001: the window opens by itself when another contact holds an e-mail or phone this one gave.
  const offer = card?.offers.find((o) => !putOff.has([o.contact.id, card.contact.id].sort().join(":")));
  useEffect(() => {
    if (!offer || !card || merging) return;
    // The one that holds the e-mail or phone is on the left: the other is pulled into it.
    const [left, right] = offer.into_id === offer.contact.id ? [offer.contact, card.contact] : [card.contact, offer.contact];
    setMerging({ left, right, because: `${left.name} and ${right.name} share the ${offer.field === "phone" ? "phone" : "e-mail"} ${offer.value}. Are they one person?` });
  }, [offer?.contact.id, card?.contact.id]);
  const closeMerge = () => {
    if (merging?.because && merging.right) putOff.add([merging.left.id, merging.right.id].sort().join(":"));
    setMerging(null);
  };
  if (store.contacts.erased.value.has(contactId)) return <p class="muted" data-testid="contact-erased">This contact was erased, with every dialog of theirs.</p>;
  if (!card) return <p class="muted" data-testid="contact-card">{card === null ? "Could not load the contact." : "Loading the contact…"}</p>;
  const bad = refused && fieldOf(refused.code, refused.message);
  const own = card.fields.map((f) => f.key);
  const fields: [string, string][] = [["name", "Name"], ["email", "Email"], ["phone", "Phone"], ...card.fields.map((f): [string, string] => [f.key, f.label]), ["notes", "Notes"]];
  const save = async (e: Event) => {
    e.preventDefault();
    const { name, email, phone, notes, ...rest } = draft;
    setRefused(await store.contacts.save(contactId, { name, email, phone, notes, fields: Object.fromEntries(own.map((k) => [k, rest[k]])) }));
  };
  const mayErase = can(store.session.me.value, "delete_dialogs");
  const exportAll = async () => {
    setExported(true);
    const done = await store.contacts.exportContact(contactId);
    setExported("url" in done ? done : false);
    setRefused("url" in done ? null : done);
  };
  const erase = async () => {
    setErasing(false);
    setRefused(await store.contacts.erase(contactId));
  };
  const unpin = async (id: string) => {
    setUnpinning(null);
    setRefused(await store.contacts.unpin(contactId, id));
  };
  return (
    <form class="contact-card" data-testid="contact-card" data-contact={card.contact.id} onSubmit={save}>
      <h3>Contact</h3>
      {fields.map(([key, label]) => (
        <label class="contact-field" key={key}>
          {label}
          <input value={draft[key]} data-testid={`contact-${key}`} aria-invalid={bad === key || undefined} onInput={(e) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value })} />
        </label>
      ))}
      {refused && (
        <p class="error" role="alert" data-testid="contact-error">
          {refused.message}
        </p>
      )}
      <button type="submit" class="primary" data-testid="contact-save">
        Save
      </button>{" "}
      <button type="button" data-testid="contact-merge" onClick={() => setMerging({ left: card.contact, right: null })}>
        Merge…
      </button>{" "}
      <button type="button" data-testid="contact-block" onClick={async () => setRefused(await store.contacts.block(contactId, !card.contact.blocked))}>
        {card.contact.blocked ? "Unblock" : "Block"}
      </button>
      {card.contact.blocked && (
        <p class="muted" data-testid="contact-blocked">
          Blocked {new Date(card.contact.blocked.at).toLocaleString()}: no messages go to or from them.
        </p>
      )}
      <ContactTags store={store} contactId={contactId} />
      {merging && (Merge ? <Merge.MergeWindow store={store} left={merging.left} right={merging.right} because={merging.because} onClose={closeMerge} /> : <Loading />)}
      {mayErase && (
        <p class="contact-privacy">
          <button type="button" data-testid="contact-export" disabled={exported === true} onClick={() => void exportAll()}>
            {exported === true ? "Exporting…" : "Export"}
          </button>{" "}
          <button type="button" class="danger" data-testid="contact-erase" onClick={() => setErasing(true)}>
            Erase contact
          </button>
          {typeof exported === "object" && (
            <>
              {" "}
              <a href={exported.url} download={exported.file_name} rel="noopener" data-testid="contact-export-link">
                Download {exported.file_name} ({megabytes(exported.size)})
              </a>{" "}
              <span class="muted">the link works for an hour</span>
            </>
          )}
        </p>
      )}
      {erasing && (
        <p role="alert" data-testid="contact-erase-confirm">
          Erase {card.contact.name} entirely? Their {card.dialogs.length === 1 ? "dialog" : `${card.dialogs.length} dialogs`} (and any you cannot see) with every
          message and file, their visitors, e-mail, phone and site logins, and the contacts merged into them are deleted for good.{" "}
          <button type="button" class="danger" data-testid="contact-erase-yes" onClick={() => void erase()}>
            Erase
          </button>{" "}
          <button type="button" data-testid="contact-erase-no" onClick={() => setErasing(false)}>
            Cancel
          </button>
        </p>
      )}
      <h3>Channels</h3>
      {card.channels.map((ch) => (
        <p key={ch.site} data-testid="contact-channel" data-active={ch.active}>
          Website chat · {ch.name}
          {ch.active && " (active)"}
        </p>
      ))}
      <h3>Dialogs</h3>
      {card.dialogs.map((d) => (
        <p class="contact-dialog" key={d.id}>
          <button type="button" class="link" data-testid="contact-dialog" data-dialog={d.id} aria-current={d.id === dialogId || undefined} onClick={() => void store.dialog.open(d.id, true)}>
            <time dateTime={new Date(d.created_at).toISOString()}>{new Date(d.created_at).toLocaleDateString()}</time> · {d.status} · {d.last_message?.text.slice(0, 40)}
          </button>{" "}
          {unpinning === d.id ? (
            <span role="alert" data-testid="contact-unpin-confirm">
              Unpin this dialog? It keeps its history but leaves this contact.{" "}
              <button type="button" class="primary" data-testid="contact-unpin-yes" onClick={() => void unpin(d.id)}>
                Unpin
              </button>{" "}
              <button type="button" data-testid="contact-unpin-no" onClick={() => setUnpinning(null)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" class="link" data-testid="contact-unpin" title="Unpin the dialog from this contact" onClick={() => setUnpinning(d.id)}>
              Unpin
            </button>
          )}
        </p>
      ))}
    </form>
  );
}
