import { useState } from "preact/hooks";
import type { TagView } from "../../../protocol/protocol";
import type { Store } from "../store";

/**
 * Admins' tags (seed 002): each a name and a colour, renamed, recoloured or deleted here; a new
 * one below. Each shows how many dialogs carry it.
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
  const done = (refused: { message: string } | null) => setError(refused?.message ?? null);
  return (
    <form
      class="tag-form"
      data-testid={tag ? "tag-row" : "tag-new"}
      data-tag={tag?.id}
      onSubmit={async (e) => {
        e.preventDefault();
        done(await store.tags.save({ name, colour }, tag?.id));
      }}
    >
      <input aria-label="Tag name" maxLength={40} value={name} data-testid="tag-name" onInput={(e) => setName(e.currentTarget.value)} required />
      <input type="color" aria-label="Tag colour" value={colour} data-testid="tag-colour" onInput={(e) => setColour(e.currentTarget.value)} />
      {tag && <span class="tag-count">{tag.dialogs} dialogs</span>}
      <button type="submit" class="primary" data-testid="tag-save">
        {tag ? "Save" : "Add tag"}
      </button>
      {tag && (
        <button type="button" data-testid="tag-delete" onClick={async () => done(await store.tags.remove(tag.id))}>
          Delete
        </button>
      )}
      {error && (
        <p class="error" role="alert" data-testid="tag-error">
          {error}
        </p>
      )}
    </form>
  );
}
