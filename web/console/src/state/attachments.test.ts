import { describe, expect, it } from "vitest";
import type { Attachment, DialogAttachment, MessageView } from "../../../protocol/protocol";
import { MAX_LIMIT_BYTES } from "../../../protocol/protocol";
import {
  BROKEN_RETRY_MS,
  carried,
  choose,
  draggingFiles,
  emptyTray,
  fit,
  gallery,
  holdLinks,
  limitsForm,
  LINK_MARGIN_MS,
  MAX_LIMIT_MB,
  needsLinks,
  parseLimits,
  resendBlock,
  sendBlock,
  summary,
  tabs,
  updateChip,
  type Chip,
} from "./attachments";

const MB = 1024 * 1024;
const limits = { image_max_bytes: 10 * MB, file_max_bytes: 25 * MB };
const att = (id: string, over: Partial<Attachment> = {}): Attachment => ({
  id,
  name: `${id}.png`,
  content_type: "image/png",
  size: 100,
  kind: "image",
  width: 800,
  height: 400,
  preview: true,
  ...over,
});
const chip = (key: string, over: Partial<Chip> = {}): Chip => ({ key, name: `${key}.pdf`, size: 10, progress: 0, state: "uploading", ...over });

describe("choosing files", () => {
  it("keeps what may go and says why the rest may not, before any upload", () => {
    const files = [
      { name: "cat.png", size: 2 * MB, type: "image/png" },
      { name: "huge.png", size: 11 * MB, type: "image/png" },
      { name: "setup.exe", size: 10, type: "application/octet-stream" },
      { name: "report.pdf", size: 11 * MB, type: "application/pdf" },
    ];
    const { accepted, refused } = choose(files, limits, 0);
    expect(accepted.map((f) => f.name)).toEqual(["cat.png", "report.pdf"]);
    expect(refused).toEqual([
      "huge.png is 11 MB; images may be at most 10 MB",
      "setup.exe cannot be sent: files that run or open as a web page are not allowed",
    ]);
  });

  it("holds a message to ten files, counting those already above the composer", () => {
    const files = Array.from({ length: 4 }, (_, i) => ({ name: `f${i}.txt`, size: 1, type: "text/plain" }));
    const { accepted, refused } = choose(files, limits, 8);
    expect(accepted.map((f) => f.name)).toEqual(["f0.txt", "f1.txt"]);
    expect(refused).toEqual([
      "f2.txt was not added: at most 10 files go in one message",
      "f3.txt was not added: at most 10 files go in one message",
    ]);
  });
});

describe("the tray above the composer", () => {
  it("updates one chip and leaves a removed one removed", () => {
    const tray = { ...emptyTray, chips: [chip("a"), chip("b")] };
    expect(updateChip(tray, "a", { progress: 0.5 }).chips.map((c) => c.progress)).toEqual([0.5, 0]);
    expect(updateChip(tray, "gone", { state: "done" })).toEqual(tray);
  });

  it("lets Send go with text, with finished files, or both; not while uploading, after a failure, or in a whisper", () => {
    const done = chip("a", { state: "done", progress: 1 });
    expect(sendBlock("hi", [], false, false)).toBeNull();
    expect(sendBlock("  ", [done], false, false)).toBeNull();
    expect(sendBlock("", [], false, false)).toBe("Write a message or attach a file.");
    expect(sendBlock("hi", [done, chip("b")], false, false)).toBe("Files are still uploading.");
    expect(sendBlock("hi", [chip("b", { state: "failed", error: "x" })], false, false)).toBe("Remove the files that could not be uploaded.");
    expect(sendBlock("hi", [done], true, false)).toContain("Whispers are text-only");
    expect(sendBlock("hi", [], true, false)).toBeNull();
    expect(sendBlock("hi", [], false, true)).toBe("The message is too long.");
  });

  it("puts the finished files' tokens in the message, and what they are for the pending bubble", () => {
    const a = att("a");
    expect(carried([chip("x", { state: "done", upload: "tok", attachment: a }), chip("y")])).toEqual({ uploads: ["tok"], attachments: [a] });
    expect(carried([chip("y")])).toBeNull();
  });
});

describe("links to stored files", () => {
  const links = { id: "a", url: "https://store/a", preview_url: "https://store/a.p", expires_at: 1_000_000 };

  it("are fetched when missing, when about to expire, and when broken but not just fetched", () => {
    const held = holdLinks(new Map(), [links], 500_000).get("a");
    expect(needsLinks(undefined, 0)).toBe(true);
    expect(needsLinks(held, 500_000)).toBe(false);
    expect(needsLinks(held, 1_000_000 - LINK_MARGIN_MS)).toBe(true);
    expect(needsLinks(held, 500_000 + 1, true)).toBe(false);
    expect(needsLinks(held, 500_000 + BROKEN_RETRY_MS, true)).toBe(true);
  });

  it("are held per file, a fresh batch replacing the old", () => {
    const first = holdLinks(new Map(), [links, { ...links, id: "b" }], 1);
    const again = holdLinks(first, [{ ...links, url: "https://store/a2" }], 2);
    expect(again.get("a")).toEqual({ links: { ...links, url: "https://store/a2" }, at: 2 });
    expect(again.get("b")?.at).toBe(1);
  });
});

describe("images in the timeline", () => {
  it("take their box from width and height, at most the given side, before they load", () => {
    expect(fit(att("a"), 240)).toEqual({ width: 240, height: 120 });
    expect(fit(att("a", { width: 100, height: 300 }), 240)).toEqual({ width: 80, height: 240 });
    expect(fit(att("a", { width: 50, height: 40 }), 240)).toEqual({ width: 50, height: 40 });
    expect(fit(att("a", { width: undefined, height: undefined }), 240)).toEqual({ width: 240, height: 240 });
  });

  it("make the lightbox's gallery in timeline order, files left out", () => {
    const m = (seq: number, attachments?: Attachment[]): MessageView => ({ id: `m${seq}`, dialog_id: "d", seq, client_id: `c${seq}`, kind: "visitor", text: "", attachments, created_at: seq });
    const doc = att("doc", { kind: "file", content_type: "application/pdf" });
    expect(gallery([m(1, [att("a"), doc]), m(2), m(3, [att("b")])]).map((s) => [s.seq, s.attachment.id])).toEqual([
      [1, "a"],
      [3, "b"],
    ]);
  });

  it("stand for a message without text where it is quoted or notified", () => {
    expect(summary({ text: "Look", attachments: [att("a")] })).toBe("Look");
    expect(summary({ text: "", attachments: [att("a"), att("b", { name: "b.pdf" })] })).toBe("📎 a.png, 📎 b.pdf");
  });
});

describe("the attachments panel", () => {
  it("splits images and files into their tabs, keeping the newest first", () => {
    const item = (a: Attachment, seq: number): DialogAttachment => ({
      attachment: a,
      seq,
      kind: "visitor",
      sent_at: seq,
      links: { id: a.id, url: "u", expires_at: 1 },
      resend: `r-${a.id}`,
    });
    const { images, files } = tabs([item(att("b"), 3), item(att("doc", { kind: "file" }), 2), item(att("a"), 1)]);
    expect(images.map((i) => i.attachment.id)).toEqual(["b", "a"]);
    expect(files.map((i) => i.attachment.id)).toEqual(["doc"]);
  });

  it("sends again into an open dialog only", () => {
    expect(resendBlock("open")).toBeNull();
    expect(resendBlock("closed")).toContain("closed");
  });
});

describe("the limits form (admins)", () => {
  it("shows the limits in MB and sends them in bytes", () => {
    const form = limitsForm(limits);
    expect(form).toEqual({ image: "10", file: "25" });
    expect(parseLimits({ image: "2.5", file: " 100 " })).toEqual({ ok: true, value: { image_max_bytes: 2.5 * MB, file_max_bytes: 100 * MB } });
    expect(parseLimits({ image: "1,5", file: "1" })).toEqual({ ok: true, value: { image_max_bytes: 1.5 * MB, file_max_bytes: MB } });
  });

  it("takes 1 to 100 MB only, naming the field", () => {
    expect(parseLimits({ image: "0.5", file: "10" })).toEqual({ ok: false, error: "The image limit must be a number of MB from 1 to 100." });
    expect(parseLimits({ image: "10", file: "101" })).toEqual({ ok: false, error: "The file limit must be a number of MB from 1 to 100." });
    for (const bad of ["", "abc", "-5", "1e2", "10 MB"]) expect(parseLimits({ image: bad, file: "10" }).ok, bad).toBe(false);
  });

  it("takes at most what the server takes: its MAX_LIMIT_BYTES, exactly", () => {
    const most = String(MAX_LIMIT_MB);
    expect(parseLimits({ image: most, file: most })).toEqual({ ok: true, value: { image_max_bytes: MAX_LIMIT_BYTES, file_max_bytes: MAX_LIMIT_BYTES } });
    expect(parseLimits({ image: "1", file: String(MAX_LIMIT_MB + 0.01) }).ok).toBe(false);
  });
});

describe("dragging", () => {
  it("shows the drop zone for files only", () => {
    expect(draggingFiles(["Files"])).toBe(true);
    expect(draggingFiles(["text/plain", "text/uri-list"])).toBe(false);
    expect(draggingFiles(undefined)).toBe(false);
  });
});
