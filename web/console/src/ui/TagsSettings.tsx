import type { ComponentChild } from "preact";
import { useState } from "preact/hooks";
import type { TagView } from "../../../protocol/protocol";
import type { Store } from "../store";
import { Icon } from "./Icons";

/**
 * Admins' tags (seed 002): each a name and a colour, renamed, recoloured or deleted in its row,
 * with how many dialogs carry it; a new one below.
 */
export function TagsSettings({ store }: { store: Store }) {
  const tags = store.tags.list.value;
  return (
    <section class="settings-section" aria-labelledby="tags-title" data-testid="tags-settings">
      <h3 id="tags-title">Tags</h3>
      <p class="muted">Operators put tags on contacts and pin them; pinned tags show under the name in the dialog list.</p>
      {tags.map((t) => (
        <TagForm key={`${t.id}:${t.name}:${t.colour}`} store={store} tag={t} />
      ))}
      <TagForm key={`new:${tags.length}`} store={store} />
    </section>
  );
}

function TagForm({ store, tag }: { store: Store; tag?: TagView }) {
  const [name, setName] = useState(tag?.name ?? "");
  const [colour, setColour] = useState(tag?.colour ?? "#2a7ae2");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const refused = await store.tags.save({ name, colour }, tag?.id);
    setError(refused?.message ?? null);
  };
  const fields = (label: (text: string) => ComponentChild) => (
    <>
      <label>
        {label("Name")}
        <input maxLength={40} value={name} data-testid="tag-name" onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        {label("Colour")}
        <input type="color" value={colour} data-testid="tag-colour" onInput={(e) => setColour(e.currentTarget.value)} />
      </label>
    </>
  );
  const refusal = error && (
    <p class="error" role="alert" data-testid="tag-error">
      {error}
    </p>
  );
  if (!tag) {
    return (
      <form class="settings-form" onSubmit={submit} aria-labelledby="new-tag-title" data-testid="tag-new">
        <h4 id="new-tag-title">New tag</h4>
        <div class="fields">{fields((text) => text)}</div>
        <div class="form-bar">
          <button type="submit" class="primary" data-testid="tag-save">
            <Icon name="plus" />
            Add tag
          </button>
        </div>
        {refusal}
      </form>
    );
  }
  return (
    <form class="tag-form" onSubmit={submit} data-testid="tag-row" data-tag={tag.id}>
      {fields((text) => <span class="visually-hidden">{text}</span>)}
      <span class="tag-count">{tag.dialogs} dialogs</span>
      <button type="submit" class="primary" data-testid="tag-save">
        Save
      </button>
      <button
        type="button"
        data-testid="tag-delete"
        onClick={async () => {
          const refused = await store.tags.remove(tag.id);
          setError(refused?.message ?? null);
        }}
      >
        Delete
      </button>
      {refusal}
    </form>
  );
}
