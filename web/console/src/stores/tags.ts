// The workspace's tags (seed 002): the list with each tag's count of dialogs, read after every
// (re)connect and again when the filter opens or an admin changes one; admins add, rename,
// recolour and delete them here (Settings); a contact's tags are set through ContactsStore.

import { computed, signal } from "@preact/signals";
import type { TagEdit, TagView } from "../../../protocol/protocol";
import { ApiError, type Api } from "../api";

export class TagsStore {
  /** The most used first, as the server sorts them. */
  readonly list = signal<TagView[]>([]);
  readonly byId = computed<ReadonlyMap<string, TagView>>(() => new Map(this.list.value.map((t) => [t.id, t])));

  constructor(private readonly api: Pick<Api, "tags" | "createTag" | "updateTag" | "deleteTag">) {}

  async load(): Promise<void> {
    const got = await this.api.tags().catch(() => null);
    if (got) this.list.value = got.tags;
  }

  /** Adds a tag, or changes one (`id`); answers the refusal, or nothing when it was stored. */
  async save(edit: TagEdit, id?: string): Promise<ApiError | null> {
    return this.settled(id === undefined ? this.api.createTag(edit) : this.api.updateTag(id, edit));
  }

  async remove(id: string): Promise<ApiError | null> {
    return this.settled(this.api.deleteTag(id));
  }

  private async settled(call: Promise<unknown>): Promise<ApiError | null> {
    try {
      await call;
      await this.load();
      return null;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }
}
