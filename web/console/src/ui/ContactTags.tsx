import { useEffect, useState } from "preact/hooks";
import type { ApiError } from "../api";
import type { Store } from "../store";
import { chip, withPin, withTag, withoutTag } from "../state/tags";

/**
 * The contact's tags on its card (seed 002): each as a coloured chip with a pin (pinned tags show
 * under the name in the dialog list) and a ×; a list of the workspace's other tags to add one.
 */
export function ContactTags({ store, contactId }: { store: Store; contactId: string }) {
  const card = store.contacts.cards.value.get(contactId);
  const defs = store.tags.byId.value;
  const [refused, setRefused] = useState<ApiError | null>(null);
  // An admin may have added tags since this console connected: the list is read as a card opens.
  useEffect(() => void store.tags.load(), [contactId]);
  if (!card || defs.size === 0) return null;
  // A deleted tag's id may stay on the contact: it is not shown, and the next change drops it.
  const held = (card.contact.tags ?? []).filter((t) => defs.has(t.tag));
  const others = store.tags.list.value.filter((t) => !held.some((h) => h.tag === t.id));
  const set = async (tags: typeof held) => setRefused(await store.contacts.tag(contactId, tags));
  return (
    <div class="contact-tags" data-testid="contact-tags">
      <h3>Tags</h3>
      {held.map((t) => {
        const def = defs.get(t.tag)!;
        return (
          <span class="tag-chip" key={t.tag} style={chip(def.colour)} data-testid="contact-tag" data-tag={t.tag} data-pinned={t.pinned}>
            {def.name}
            <button type="button" class="link" aria-pressed={t.pinned} title={t.pinned ? "Unpin: not shown in the list" : "Pin: shown under the name in the list"} data-testid="contact-tag-pin" onClick={() => void set(withPin(held, t.tag))}>
              {t.pinned ? "Pinned" : "Pin"}
            </button>
            <button type="button" class="link" aria-label={`Remove ${def.name}`} data-testid="contact-tag-remove" onClick={() => void set(withoutTag(held, t.tag))}>
              ×
            </button>
          </span>
        );
      })}
      {others.length > 0 && (
        <select
          aria-label="Add a tag"
          data-testid="contact-tag-add"
          value=""
          onChange={(e) => {
            const id = e.currentTarget.value;
            if (id) void set(withTag(held, id));
          }}
        >
          <option value="">Add a tag…</option>
          {others.map((t) => (
            <option value={t.id} key={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      )}
      {refused && (
        <p class="error" role="alert" data-testid="contact-tags-error">
          {refused.message}
        </p>
      )}
    </div>
  );
}
