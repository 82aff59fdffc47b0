// Files, from the browser to storage: the server grants one upload (`POST /api/uploads`), the
// browser posts the file straight to storage with the grant's signed form, and the message then
// carries the grant's `upload` token. Limits are checked here first so an oversize or forbidden
// file is refused before a byte leaves; the server checks again on the grant and on the message.

import type { Attachment, AttachmentLimits, UploadGrant } from "../protocol/protocol";
import { BLOCKED_EXTENSIONS, BLOCKED_TYPES, IMAGE_TYPES } from "../protocol/protocol";

/** The server's rules (generated into protocol.ts from the Rust constants). */
export { IMAGE_TYPES, MAX_ATTACHMENTS_PER_MESSAGE as MAX_FILES_PER_MESSAGE } from "../protocol/protocol";
const BLOCKED_EXTENSION_SET = new Set(BLOCKED_EXTENSIONS);
const BLOCKED_TYPE_SET = new Set(BLOCKED_TYPES);

export interface FileLike {
  name: string;
  size: number;
  type: string;
}

/** `12.3 MB`, as the limits are spoken of; under a megabyte in KB (or bytes), never `0.0 MB`. */
export function megabytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [n, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KB"] : [bytes / (1024 * 1024), "MB"];
  return n >= 10 || Number.isInteger(n) ? `${Math.round(n)} ${unit}` : `${n.toFixed(1)} ${unit}`;
}

/** Why this file cannot be sent, in words, or null when it can. */
export function refusal(file: FileLike, limits: AttachmentLimits): string | null {
  const ext = file.name.includes(".") ? file.name.split(".").pop()!.toLowerCase() : "";
  const type = file.type.split(";")[0].trim().toLowerCase();
  if (BLOCKED_EXTENSION_SET.has(ext) || BLOCKED_TYPE_SET.has(type)) {
    return `${file.name} cannot be sent: files that run or open as a web page are not allowed`;
  }
  if (file.size === 0) return `${file.name} is empty`;
  const image = IMAGE_TYPES.includes(type);
  const max = image ? limits.image_max_bytes : limits.file_max_bytes;
  if (file.size > max) {
    return `${file.name} is ${megabytes(file.size)}; ${image ? "images" : "files"} may be at most ${megabytes(max)}`;
  }
  return null;
}

/** The HTTP API's refusal: its code and message. */
export class UploadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function refusedBy(res: Response): Promise<UploadError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new UploadError(body.error?.code ?? "internal", body.error?.message ?? `HTTP ${res.status}`);
  } catch {
    return new UploadError("internal", `HTTP ${res.status}`);
  }
}

/** The caller's workspace limits (`GET /api/attachments/limits`). */
export async function fetchLimits(http: string, token: string, fetchImpl: typeof fetch = fetch): Promise<AttachmentLimits> {
  const res = await fetchImpl(`${http}/attachments/limits`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw await refusedBy(res);
  return (await res.json()) as AttachmentLimits;
}

/** Asks for a grant to upload `file` (`POST /api/uploads`). */
export async function requestGrant(http: string, token: string, file: FileLike, fetchImpl: typeof fetch = fetch): Promise<UploadGrant> {
  const res = await fetchImpl(`${http}/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: file.name, size: file.size, content_type: file.type }),
  });
  if (!res.ok) throw await refusedBy(res);
  return (await res.json()) as UploadGrant;
}

/** The grant's form: its fields in order, the file last (storage ignores fields after it). */
export function uploadForm(grant: UploadGrant, file: Blob): FormData {
  const form = new FormData();
  for (const [k, v] of grant.fields) form.append(k, v);
  form.append("file", file);
  return form;
}

/** Posts the file to storage under `grant`, reporting progress from 0 to 1. */
export function sendToStorage(grant: UploadGrant, file: Blob, onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", grant.url);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve();
      } else {
        reject(new UploadError("upload_failed", `storage refused the upload (HTTP ${xhr.status})`));
      }
    };
    xhr.onerror = () => reject(new UploadError("offline", "the upload did not get through; try again"));
    xhr.onabort = () => reject(new UploadError("aborted", "the upload was cancelled"));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(uploadForm(grant, file));
  });
}

/** One file on its way: grant, then storage. Resolves with the token and the attachment. */
export async function uploadFile(
  http: string,
  token: string,
  file: File,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<{ upload: string; attachment: Attachment }> {
  const grant = await requestGrant(http, token, file);
  await sendToStorage(grant, file, onProgress, signal);
  return { upload: grant.upload, attachment: grant.attachment };
}
