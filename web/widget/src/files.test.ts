// The widget's files as the app drives them: fake limits, uploads and links endpoints that count
// their calls, and a clock the test moves.
import { describe, expect, it } from "vitest";
import type { Attachment, AttachmentLinks } from "../../protocol/protocol";
import { UploadError } from "../../common/upload";
import { Files, type FilesOptions } from "./files";

const file = (name: string, size: number, type: string) => new File([new Uint8Array(size)], name, { type });

function setup(over: Partial<FilesOptions> = {}) {
  const calls = { limits: 0, uploads: [] as string[], links: [] as number[], sent: [] as { uploads: string[]; names: string[] }[], progress: [] as number[] };
  let now = 1_000_000;
  const files: Files = new Files({
    limits: async () => {
      calls.limits++;
      return { image_max_bytes: 1024, file_max_bytes: 2048 };
    },
    upload: async (f, progress) => {
      calls.uploads.push(f.name);
      progress(0.5);
      calls.progress.push(...files.uploads.map((u) => u.progress));
      if (f.name.startsWith("refused")) throw new UploadError("attachment_type_not_allowed", `${f.name}: not what it claims to be`);
      if (f.name.startsWith("lost")) throw new TypeError("Failed to fetch");
      const attachment: Attachment = { id: `a-${f.name}`, name: f.name, content_type: f.type, size: f.size, kind: "file", preview: false };
      return { upload: `up-${f.name}`, attachment };
    },
    links: async (seq) => {
      calls.links.push(seq);
      const link = (id: string): AttachmentLinks => ({ id, url: `https://storage.test/${id}?v=${calls.links.length}`, expires_at: now + 15 * 60_000 });
      return { attachments: [link(`a${seq}`)] };
    },
    send: (uploads, attachments) => calls.sent.push({ uploads, names: attachments.map((a) => a.name) }),
    onChange: () => {},
    failed: (name) => `${name} was not uploaded`,
    tooMany: "At most 10 files at a time.",
    now: () => now,
    ...over,
  });
  return { files, calls, tick: (ms: number) => (now += ms) };
}

describe("files the visitor sends", () => {
  it("refuses oversize and forbidden files before any upload, saying why", async () => {
    const { files, calls } = setup();
    await files.add([file("photo.png", 5000, "image/png"), file("notes.txt", 100, "text/plain"), file("run.exe", 10, "application/octet-stream")]);
    expect(calls.uploads).toEqual([]);
    expect(calls.sent).toEqual([]);
    expect(files.errors).toEqual([
      "photo.png is 4.9 KB; images may be at most 1 KB",
      "run.exe cannot be sent: files that run or open as a web page are not allowed",
    ]);
    await files.add([]);
    expect(files.errors).toEqual([]);
  });

  it("refuses more than ten files at once", async () => {
    const { files, calls } = setup();
    await files.add(Array.from({ length: 11 }, (_, i) => file(`f${i}.txt`, 10, "text/plain")));
    expect(files.errors).toEqual(["At most 10 files at a time."]);
    expect(calls.limits).toBe(0);
  });

  it("uploads each file with its progress, sends the stored ones in one message, and says which failed and why", async () => {
    const { files, calls } = setup();
    const adding = files.add([file("a.txt", 10, "text/plain"), file("refused.pdf", 10, "application/pdf"), file("lost.txt", 10, "text/plain"), file("b.txt", 10, "text/plain")]);
    expect(files.uploads.map((u) => u.name)).toEqual([]); // limits first
    await adding;
    expect(calls.uploads).toEqual(["a.txt", "refused.pdf", "lost.txt", "b.txt"]);
    expect(calls.progress).toContain(0.5);
    expect(files.uploads).toEqual([]);
    expect(calls.sent).toEqual([{ uploads: ["up-a.txt", "up-b.txt"], names: ["a.txt", "b.txt"] }]);
    expect(files.errors).toEqual(["refused.pdf: not what it claims to be", "lost.txt was not uploaded"]);
  });

  it("asks for the limits once, and again only after a failure", async () => {
    let fail = true;
    const { files, calls } = setup({
      limits: async () => {
        calls.limits++;
        if (fail) throw new TypeError("Failed to fetch");
        return { image_max_bytes: 1024, file_max_bytes: 2048 };
      },
    });
    await files.add([file("a.txt", 10, "text/plain")]);
    expect(files.errors).toEqual(["a.txt was not uploaded"]);
    fail = false;
    await files.add([file("a.txt", 10, "text/plain")]);
    await files.add([file("b.txt", 10, "text/plain")]);
    expect(calls.limits).toBe(2);
    expect(calls.sent).toHaveLength(2);
  });
});

describe("links to the files of stored messages", () => {
  it("are fetched once per message, and again when they are about to expire", async () => {
    const { files, calls, tick } = setup();
    expect(files.linksOf(7)).toBeUndefined();
    expect(files.linksOf(7)).toBeUndefined();
    await Promise.resolve();
    await Promise.resolve();
    expect(files.linksOf(7)?.get("a7")?.url).toBe("https://storage.test/a7?v=1");
    expect(calls.links).toEqual([7]);
    tick(14 * 60_000 + 40_000);
    // Still shown while the new ones come.
    expect(files.linksOf(7)?.get("a7")?.url).toBe("https://storage.test/a7?v=1");
    await Promise.resolve();
    await Promise.resolve();
    expect(files.linksOf(7)?.get("a7")?.url).toBe("https://storage.test/a7?v=2");
    expect(calls.links).toEqual([7, 7]);
  });

  it("are fetched anew when an image fails to load, but not in a loop", async () => {
    const { files, calls, tick } = setup();
    files.linksOf(3);
    await new Promise((r) => setTimeout(r));
    files.broken(3); // just fetched: the image itself is broken, not the link
    await new Promise((r) => setTimeout(r));
    expect(calls.links).toEqual([3]);
    tick(60_000);
    files.broken(3);
    await new Promise((r) => setTimeout(r));
    expect(calls.links).toEqual([3, 3]);
  });
});
