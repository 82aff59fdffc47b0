// Files in the console: each dialog's tray of files chosen for its next message (checked against
// the workspace's limits, then uploaded at once with web/common/upload.ts), the short-lived links
// to stored files, the "Show attachments" panel, and the limits admins change. The rules are
// state/attachments.ts.

import { signal } from "@preact/signals";
import type { AttachmentLimits, AttachmentLinks, DialogAttachment } from "../../../protocol/protocol";
import { uploadFile } from "../../../common/upload";
import { newId } from "../../../common/ids";
import type { Api } from "../api";
import { choose, emptyTray, holdLinks, needsLinks, updateChip, type Chip, type HeldLinks, type Tray } from "../state/attachments";

type AttachmentsApi = Pick<Api, "endpoints" | "token" | "attachmentLimits" | "setAttachmentLimits" | "messageAttachments" | "dialogAttachments">;

export class AttachmentsStore {
  /** Files chosen for each dialog's next message, and the ones just refused. */
  readonly trays = signal<ReadonlyMap<string, Tray>>(new Map());
  /** Short-lived links to stored files, by attachment id. */
  readonly links = signal<ReadonlyMap<string, HeldLinks>>(new Map());
  /** The "Show attachments" panel, in place of the visitor panel while open. */
  readonly panel = signal(false);

  private limits: Promise<AttachmentLimits> | null = null;
  private uploads = new Map<string, AbortController>();
  private linkRequests = new Map<string, Promise<void>>();

  constructor(
    private readonly api: AttachmentsApi,
    private readonly upload: typeof uploadFile = uploadFile,
  ) {}

  tray(id: string): Tray {
    return this.trays.value.get(id) ?? emptyTray;
  }

  setTray(id: string, tray: Tray): void {
    const t = new Map(this.trays.value);
    if (tray.chips.length === 0 && tray.refused.length === 0) t.delete(id);
    else t.set(id, tray);
    this.trays.value = t;
  }

  /** The workspace's limits, asked once; the server checks every file again anyway. */
  attachmentLimits(): Promise<AttachmentLimits> {
    this.limits ??= this.api.attachmentLimits().catch((e) => {
      this.limits = null;
      throw e;
    });
    return this.limits;
  }

  /** Settings asks afresh each time it opens: another admin may have changed them. */
  reloadLimits(): Promise<AttachmentLimits> {
    this.limits = null;
    return this.attachmentLimits();
  }

  /** Admins change the limits; the server's refusal is thrown for the form to show. */
  async saveLimits(limits: AttachmentLimits): Promise<AttachmentLimits> {
    const saved = await this.api.setAttachmentLimits(limits);
    this.limits = Promise.resolve(saved);
    return saved;
  }

  /**
   * Files chosen for a dialog's next message (picker, drop or paste): each is checked against the
   * limits before a byte leaves, and the accepted ones upload at once, each with its progress.
   */
  async attach(id: string, files: readonly File[]): Promise<void> {
    let limits: AttachmentLimits;
    try {
      limits = await this.attachmentLimits();
    } catch (e) {
      this.setTray(id, { ...this.tray(id), refused: [`Files cannot be sent now: ${e instanceof Error ? e.message : String(e)}`] });
      return;
    }
    const tray = this.tray(id);
    const { accepted, refused } = choose(files, limits, tray.chips.length);
    const chips = accepted.map((f): Chip => ({ key: newId(), name: f.name, size: f.size, progress: 0, state: "uploading" }));
    this.setTray(id, { chips: [...tray.chips, ...chips], refused });
    accepted.forEach((f, i) => void this.send(id, chips[i].key, f));
  }

  private async send(id: string, key: string, file: File): Promise<void> {
    const abort = new AbortController();
    this.uploads.set(key, abort);
    const patch = (p: Partial<Chip>) => this.setTray(id, updateChip(this.tray(id), key, p));
    try {
      const done = await this.upload(this.api.endpoints.http, this.api.token ?? "", file, (progress) => patch({ progress }), abort.signal);
      if (!abort.signal.aborted) patch({ state: "done", progress: 1, ...done });
    } catch (e) {
      if (!abort.signal.aborted) patch({ state: "failed", error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.uploads.delete(key);
    }
  }

  /** Takes a file off the next message, stopping its upload. */
  removeChip(id: string, key: string): void {
    this.uploads.get(key)?.abort();
    const tray = this.tray(id);
    this.setTray(id, { ...tray, chips: tray.chips.filter((c) => c.key !== key) });
  }

  /** Files that may not go, said in words above the composer. */
  refuse(id: string, why: string): void {
    this.setTray(id, { ...this.tray(id), refused: [why] });
  }

  dismissRefused(id: string): void {
    this.setTray(id, { ...this.tray(id), refused: [] });
  }

  /**
   * A file's links, fetched (with the rest of its message's) when none are held fresh, or when
   * the held one failed to load; one request per message at a time.
   */
  async linksFor(dialogId: string, seq: number, attachmentId: string, broken = false): Promise<AttachmentLinks | undefined> {
    const key = `${dialogId}:${seq}`;
    if (needsLinks(this.links.value.get(attachmentId), Date.now(), broken)) {
      let asked = this.linkRequests.get(key);
      if (!asked) {
        asked = this.api
          .messageAttachments(dialogId, seq)
          .then((r) => void (this.links.value = holdLinks(this.links.value, r.attachments, Date.now())))
          // The file shows by name without its links; the next look asks again.
          .catch(() => {})
          .finally(() => this.linkRequests.delete(key));
        this.linkRequests.set(key, asked);
      }
      await asked;
    }
    return this.links.value.get(attachmentId)?.links;
  }

  /** The "Show attachments" panel's list; its links go with the others. */
  async dialogAttachments(id: string): Promise<DialogAttachment[]> {
    const { attachments } = await this.api.dialogAttachments(id);
    this.links.value = holdLinks(
      this.links.value,
      attachments.map((a) => a.links),
      Date.now(),
    );
    return attachments;
  }
}
