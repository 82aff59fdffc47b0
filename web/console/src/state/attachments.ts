// Attachments in the console as plain data: the files waiting above the composer (the tray), when
// a message may go, the short-lived links to stored files and when to ask for them again, image
// sizes that keep the timeline still while previews load, the panel's two tabs, and the admins'
// limits form. Uploading itself is web/common/upload.ts.

import type { Attachment, AttachmentLimits, AttachmentLinks, DialogAttachment, MessageView } from "../../../protocol/protocol";
import { MAX_LIMIT_BYTES } from "../../../protocol/protocol";
import { MAX_FILES_PER_MESSAGE, refusal, type FileLike } from "../../../common/upload";

/** One chosen file: on its way to storage, there (with its token), or refused by the server. */
export interface Chip {
  key: string;
  name: string;
  size: number;
  /** 0 to 1, while uploading. */
  progress: number;
  state: "uploading" | "done" | "failed";
  error?: string;
  upload?: string;
  attachment?: Attachment;
}

/** A dialog's files waiting to be sent, and the files just refused (said once, in words). */
export interface Tray {
  chips: Chip[];
  refused: string[];
}

export const emptyTray: Tray = { chips: [], refused: [] };

/**
 * Files just chosen (picker, drop or paste), checked before a byte leaves: the ones to upload,
 * and why the others may not go. At most `MAX_FILES_PER_MESSAGE` per message, counting those
 * already in the tray.
 */
export function choose<F extends FileLike>(files: readonly F[], limits: AttachmentLimits, held: number): { accepted: F[]; refused: string[] } {
  const accepted: F[] = [];
  const refused: string[] = [];
  for (const f of files) {
    const why = refusal(f, limits);
    if (why) refused.push(why);
    else if (held + accepted.length >= MAX_FILES_PER_MESSAGE) refused.push(`${f.name} was not added: at most ${MAX_FILES_PER_MESSAGE} files go in one message`);
    else accepted.push(f);
  }
  return { accepted, refused };
}

/** The tray with one chip changed (a chip removed meanwhile stays removed). */
export function updateChip(tray: Tray, key: string, patch: Partial<Chip>): Tray {
  return { ...tray, chips: tray.chips.map((c) => (c.key === key ? { ...c, ...patch } : c)) };
}

/** Why Send may not be pressed now, or null when it may. Text is optional once a file is there. */
export function sendBlock(text: string, chips: readonly Chip[], whisper: boolean, tooLong: boolean): string | null {
  if (tooLong) return "The message is too long.";
  if (chips.length > 0 && whisper) return "Whispers are text-only: remove the files or turn whisper off.";
  if (chips.some((c) => c.state === "uploading")) return "Files are still uploading.";
  if (chips.some((c) => c.state === "failed")) return "Remove the files that could not be uploaded.";
  if (!text.trim() && chips.length === 0) return "Write a message or attach a file.";
  return null;
}

/** What a message carries of the tray: the upload tokens, and the files to show while it goes. */
export function carried(chips: readonly Chip[]): { uploads: string[]; attachments: Attachment[] } | null {
  const done = chips.filter((c) => c.state === "done" && c.upload && c.attachment);
  if (done.length === 0) return null;
  return { uploads: done.map((c) => c.upload!), attachments: done.map((c) => c.attachment!) };
}

/** Links held for one stored file, and when they were fetched. */
export interface HeldLinks {
  links: AttachmentLinks;
  at: number;
}

/** Links are asked for again this long before they expire, so none is handed out dead. */
export const LINK_MARGIN_MS = 60_000;
/** A link that failed to load is asked for again, but not more often than this. */
export const BROKEN_RETRY_MS = 10_000;

/** Whether a file's links must be fetched (again): none yet, expiring, or broken and not just fetched. */
export function needsLinks(held: HeldLinks | undefined, now: number, broken = false): boolean {
  if (!held) return true;
  if (held.links.expires_at - LINK_MARGIN_MS <= now) return true;
  return broken && now - held.at >= BROKEN_RETRY_MS;
}

/** The held links with a fresh batch added (by attachment id). */
export function holdLinks(held: ReadonlyMap<string, HeldLinks>, links: readonly AttachmentLinks[], now: number): Map<string, HeldLinks> {
  const out = new Map(held);
  for (const l of links) out.set(l.id, { links: l, at: now });
  return out;
}

/** An image's box in the timeline, known before it loads: its own shape, at most `max` a side. */
export function fit(a: Pick<Attachment, "width" | "height">, max: number): { width: number; height: number } {
  const w = a.width ?? max;
  const h = a.height ?? max;
  const scale = Math.min(1, max / Math.max(w, h, 1));
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** A message in one line, where its text is empty: its files' names (quotes, notifications). */
export function summary(m: Pick<MessageView, "text" | "attachments">): string {
  return m.text || (m.attachments ?? []).map((a) => `📎 ${a.name}`).join(", ");
}

/** One image of a gallery the lightbox steps through. */
export interface Shown {
  seq: number;
  attachment: Attachment;
}

/** The images of a dialog's timeline, oldest first: what the lightbox's next and previous step through. */
export function gallery(messages: readonly MessageView[]): Shown[] {
  const out: Shown[] = [];
  for (const m of messages) for (const a of m.attachments ?? []) if (a.kind === "image") out.push({ seq: m.seq, attachment: a });
  return out;
}

/** The panel's tabs: images and other files, each newest first as the server lists them. */
export function tabs(items: readonly DialogAttachment[]): { images: DialogAttachment[]; files: DialogAttachment[] } {
  return { images: items.filter((i) => i.attachment.kind === "image"), files: items.filter((i) => i.attachment.kind === "file") };
}

/** Why "Send again" cannot be used now, or null: like the composer, an open dialog is joined first. */
export function resendBlock(status: "open" | "closed"): string | null {
  return status === "closed" ? "The dialog is closed: reopen it to send files." : null;
}

const MB = 1024 * 1024;
/** The most an admin may set (the server's `MAX_LIMIT_BYTES`, generated into protocol.ts), in MB. */
export const MAX_LIMIT_MB = MAX_LIMIT_BYTES / MB;

/** The limits form: both sizes in MB, as the admin types them. */
export interface LimitsForm {
  image: string;
  file: string;
}

export function limitsForm(limits: AttachmentLimits): LimitsForm {
  const mb = (bytes: number) => String(Math.round((bytes / MB) * 100) / 100);
  return { image: mb(limits.image_max_bytes), file: mb(limits.file_max_bytes) };
}

/** The form as `PUT /api/attachments/limits` takes it, or what is wrong with it. */
export function parseLimits(form: LimitsForm): { ok: true; value: AttachmentLimits } | { ok: false; error: string } {
  const bytes = (text: string, what: string): number | string => {
    const t = text.trim().replace(",", ".");
    const n = Number(t);
    if (!/^\d+(\.\d+)?$/.test(t) || n < 1 || n > MAX_LIMIT_MB) return `${what} must be a number of MB from 1 to ${MAX_LIMIT_MB}.`;
    return Math.round(n * MB);
  };
  const image = bytes(form.image, "The image limit");
  if (typeof image === "string") return { ok: false, error: image };
  const file = bytes(form.file, "The file limit");
  if (typeof file === "string") return { ok: false, error: file };
  return { ok: true, value: { image_max_bytes: image, file_max_bytes: file } };
}

/** Whether a drag carries files (not text or a link dragged within the page). */
export function draggingFiles(types: readonly string[] | DOMStringList | undefined): boolean {
  return !!types && Array.from(types as ArrayLike<string>).includes("Files");
}
