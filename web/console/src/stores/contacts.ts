// Contacts: each contact's card (loaded when a dialog of theirs opens, kept current by
// `contact.updated`, `contact.merged` and by `dialog.updated` moving a dialog away), its edits,
// merges and unpins with their
// typed refusals, and the workspace's channel names for
// the sidebar (state/contacts.ts holds the rules).

import { signal } from "@preact/signals";
import type { ContactCard, ContactEdit, ContactExport, ContactTag, ContactView, DialogView } from "../../../protocol/protocol";
import { ApiError, type Api } from "../api";
import { renameContact } from "../state/contacts";
import type { SidebarStore } from "./sidebar";

export class ContactsStore {
  /** The card per contact id; `null` while it fails to load. */
  readonly cards = signal<ReadonlyMap<string, ContactCard | null>>(new Map());
  /** Each site's name, by its key: the channel a dialog came through. */
  readonly channels = signal<ReadonlyMap<string, string>>(new Map());
  /** Contacts erased while the console is open (`contact.deleted`, or my own erase). */
  readonly erased = signal<ReadonlySet<string>>(new Set());

  constructor(
    private readonly api: Pick<Api, "contactCard" | "editContact" | "unpinDialog" | "blockContact" | "channels" | "findContacts" | "mergeContacts" | "exportContact" | "eraseContact" | "setContactTags">,
    private readonly sidebar: Pick<SidebarStore, "rows" | "upsert">,
  ) {}

  private set(id: string, card: ContactCard | null): void {
    this.cards.value = new Map(this.cards.value).set(id, card);
  }

  async load(id: string): Promise<void> {
    this.set(id, await this.api.contactCard(id).catch(() => null));
  }

  async loadChannels(): Promise<void> {
    const list = await this.api.channels().catch(() => ({ channels: [] }));
    this.channels.value = new Map(list.channels.map((c) => [c.site, c.name]));
  }

  /** Saves an edit; answers the refusal (its code and message), or nothing when it was stored. */
  async save(id: string, edit: ContactEdit): Promise<ApiError | null> {
    try {
      const card = await this.api.editContact(id, edit);
      this.set(id, card);
      this.updated(card.contact);
      return null;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }

  /** Unpins the dialog from the contact (after the card's confirmation); answers the refusal, or nothing. */
  async unpin(id: string, dialogId: string): Promise<ApiError | null> {
    try {
      const { dialog } = await this.api.unpinDialog(id, dialogId);
      this.sidebar.upsert(dialog);
      this.moved(dialog);
      return null;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }

  /** Blocks the contact or lifts the block; answers the refusal, or nothing when it was stored. */
  async block(id: string, blocked: boolean): Promise<ApiError | null> {
    try {
      const card = await this.api.blockContact(id, blocked);
      this.set(id, card);
      this.updated(card.contact);
      return null;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }

  /**
   * Sets the contact's tags (seed 002); its dialogs I see take the copy at once (the server's
   * `dialog.updated` brings the same). Answers the refusal, or nothing when it was stored.
   */
  async tag(id: string, tags: ContactTag[]): Promise<ApiError | null> {
    try {
      const card = await this.api.setContactTags(id, { tags });
      this.set(id, card);
      this.updated(card.contact);
      for (const d of card.dialogs) this.sidebar.upsert(d);
      return null;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }

  /** Contacts found by name, e-mail or phone (the merge window's search); none when it fails. */
  async find(q: string): Promise<ContactView[]> {
    if (!q.trim()) return [];
    return (await this.api.findContacts(q).catch(() => ({ contacts: [] }))).contacts;
  }

  /** Pulls `fromId` into `intoId` ("Unite"); answers the refusal, or nothing when it was done. */
  async merge(intoId: string, fromId: string): Promise<ApiError | null> {
    try {
      const card = await this.api.mergeContacts(intoId, fromId);
      for (const d of card.dialogs) this.sidebar.upsert(d);
      this.merged(fromId, card.contact);
      this.set(card.contact.id, card);
      return null;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }

  /** Exports the contact: the ZIP's link (valid for an hour), or the refusal. */
  async exportContact(id: string): Promise<ContactExport | ApiError> {
    try {
      return await this.api.exportContact(id);
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }

  /** Erases the contact entirely (after the card's confirmation); answers the refusal, or nothing. */
  async erase(id: string): Promise<ApiError | null> {
    try {
      const erased = await this.api.eraseContact(id);
      [erased.contact_id, ...erased.merged].forEach((c) => this.deleted(c));
      return null;
    } catch (e) {
      return e instanceof ApiError ? e : new ApiError(0, "internal", String(e));
    }
  }

  /** `contact.merged` (or my own merge): a card of the merged contact, or of the united one, reads the united one again. */
  merged(mergedId: string, contact: ContactView): void {
    const stale = this.cards.value.has(mergedId) || this.cards.value.has(contact.id);
    const cards = new Map(this.cards.value);
    cards.delete(mergedId);
    this.cards.value = cards;
    this.updated(contact);
    if (stale) void this.load(contact.id);
  }

  /** `contact.deleted` (or my own erase): the card goes; its dialogs' rows go with `dialog.deleted`. */
  deleted(id: string): void {
    if (this.erased.value.has(id)) return;
    this.erased.value = new Set(this.erased.value).add(id);
    const cards = new Map(this.cards.value);
    cards.delete(id);
    this.cards.value = cards;
  }

  /** A dialog's summary (`dialog.updated`, or my unpin): a card that lists it under another contact reads itself again. */
  moved(dialog: DialogView): void {
    for (const [id, card] of this.cards.value) {
      if (id !== dialog.contact_id && card?.dialogs.some((d) => d.id === dialog.id)) void this.load(id);
    }
  }

  /** `contact.updated` (or my own edit): the card and the rows of the contact's dialogs follow. */
  updated(contact: ContactView): void {
    const held = this.cards.value.get(contact.id);
    if (held && held.contact.version <= contact.version) this.set(contact.id, { ...held, contact });
    this.sidebar.rows.value = renameContact(this.sidebar.rows.value, contact);
  }
}
