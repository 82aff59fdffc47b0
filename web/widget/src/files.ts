// Files in the widget: what the visitor picks or drops is checked against the workspace's limits
// before a byte leaves, uploaded with its progress shown, and sent as one message; files of stored
// messages are shown through short-lived links, fetched per message and fetched again when they
// expire or an image fails to load.

import type { Attachment, AttachmentLimits, AttachmentLinks, MessageAttachments } from "../../protocol/protocol";
import { MAX_FILES_PER_MESSAGE, refusal } from "../../common/upload";

/** A file on its way to storage. */
export interface Upload {
  key: number;
  name: string;
  /** 0 to 1. */
  progress: number;
}

export interface FilesOptions {
  limits(): Promise<AttachmentLimits>;
  /** Grant, then storage (`uploadFile`); rejects with the reason in words. */
  upload(file: File, onProgress: (fraction: number) => void): Promise<{ upload: string; attachment: Attachment }>;
  /** `GET /api/visitor/messages/{seq}/attachments`. */
  links(seq: number): Promise<MessageAttachments>;
  /** Queues the message that carries the uploaded files. */
  send(uploads: string[], attachments: Attachment[]): void;
  onChange(): void;
  /** Said of a file whose upload failed without a reason from the server. */
  failed(name: string): string;
  tooMany: string;
  now?: () => number;
}

interface Links {
  byId: Map<string, AttachmentLinks>;
  expires: number;
  fetched: number;
}

/** Links this close to their end are fetched anew before they are shown. */
const MARGIN_MS = 30_000;

export class Files {
  uploads: Upload[] = [];
  /** Why files were not sent, one line each, until the next files come. */
  errors: string[] = [];
  private limits?: Promise<AttachmentLimits>;
  private links = new Map<number, Links>();
  private fetching = new Map<number, Promise<void>>();
  private next = 0;

  constructor(private readonly o: FilesOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Checks, uploads and sends what the visitor picked or dropped; resolves when it is queued. */
  async add(files: readonly File[]): Promise<void> {
    this.errors = [];
    if (files.length === 0) return;
    if (files.length > MAX_FILES_PER_MESSAGE) return this.fail([this.o.tooMany]);
    let limits: AttachmentLimits;
    try {
      limits = await (this.limits ??= this.o.limits());
    } catch (e) {
      this.limits = undefined;
      return this.fail([reason(e) ?? this.o.failed(files[0].name)]);
    }
    const refused = files.map((f) => refusal(f, limits));
    if (refused.some((r) => r !== null)) return this.fail(refused.filter((r): r is string => r !== null));

    const mine = files.map((f) => ({ key: this.next++, name: f.name, progress: 0 }));
    this.uploads = [...this.uploads, ...mine];
    this.o.onChange();
    const done = await Promise.allSettled(
      files.map((f, i) =>
        this.o.upload(f, (p) => {
          mine[i].progress = p;
          this.o.onChange();
        }),
      ),
    );
    this.uploads = this.uploads.filter((u) => !mine.includes(u));
    const sent = done.flatMap((d) => (d.status === "fulfilled" ? [d.value] : []));
    const errors = done.flatMap((d, i) => (d.status === "rejected" ? [reason(d.reason) ?? this.o.failed(files[i].name)] : []));
    if (sent.length) this.o.send(sent.map((s) => s.upload), sent.map((s) => s.attachment));
    this.fail(errors);
  }

  private fail(errors: string[]): void {
    this.errors = errors;
    this.o.onChange();
  }

  /** The links to a stored message's files, or undefined while they are fetched (then `onChange`). */
  linksOf(seq: number): Map<string, AttachmentLinks> | undefined {
    const held = this.links.get(seq);
    if (held && held.expires - this.now() > MARGIN_MS) return held.byId;
    void this.fetch(seq);
    return held?.byId;
  }

  /** An image did not load: its link may have expired early; fetch once more, not in a loop. */
  broken(seq: number): void {
    const held = this.links.get(seq);
    if (held && this.now() - held.fetched > 5_000) {
      held.expires = 0;
      void this.fetch(seq);
    }
  }

  private fetch(seq: number): Promise<void> {
    let running = this.fetching.get(seq);
    if (!running) {
      running = this.o
        .links(seq)
        .then(
          ({ attachments }) => {
            const expires = Math.min(...attachments.map((a) => a.expires_at));
            this.links.set(seq, { byId: new Map(attachments.map((a) => [a.id, a])), expires, fetched: this.now() });
            this.o.onChange();
          },
          // Offline or refused: the files show without links; the next redraw asks again.
          () => {},
        )
        .finally(() => this.fetching.delete(seq));
      this.fetching.set(seq, running);
    }
    return running;
  }
}

/** The server's or the upload's own words for a refusal, when it has them. */
function reason(e: unknown): string | undefined {
  return e instanceof Error && e.name !== "TypeError" && e.message ? e.message : undefined;
}
