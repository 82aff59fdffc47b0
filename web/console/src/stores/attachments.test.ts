import { describe, expect, it } from "vitest";
import type { AttachmentLimits } from "../../../protocol/protocol";
import type { uploadFile } from "../../../common/upload";
import { AttachmentsStore } from "./attachments";
import { fakeApi, file, limits, settle } from "./testing";

type Upload = typeof uploadFile;

const png = (name: string, size = 10) => ({ name, size, type: "image/png" }) as File;

describe("the attachments store", () => {
  it("asks the limits once, again after a failure, and takes saved ones at once", async () => {
    let asked = 0;
    let fail = true;
    const saved: AttachmentLimits = { image_max_bytes: 5, file_max_bytes: 5 };
    const store = new AttachmentsStore(
      fakeApi({
        attachmentLimits: async () => {
          asked++;
          if (fail) throw new Error("down");
          return limits;
        },
        setAttachmentLimits: async () => saved,
      }),
    );
    await store.attach("d1", [png("a.png")]);
    expect(store.tray("d1").refused).toEqual(["Files cannot be sent now: down"]);
    fail = false;
    expect(await store.attachmentLimits()).toEqual(limits);
    expect(await store.attachmentLimits()).toEqual(limits);
    expect(asked).toBe(2);
    await store.reloadLimits();
    expect(asked).toBe(3);
    expect(await store.saveLimits(saved)).toBe(saved);
    expect(await store.attachmentLimits()).toBe(saved);
    expect(asked).toBe(3);
  });

  it("refuses what is too large before a byte leaves, uploads the rest with progress, and removes a chip mid-way", async () => {
    const aborted: string[] = [];
    const finish = new Map<string, () => void>();
    const upload: Upload = (_http, token, f, onProgress, signal) => {
      expect(token).toBe("tok");
      onProgress?.(0.5);
      signal?.addEventListener("abort", () => aborted.push(f.name));
      return new Promise((ok) =>
        finish.set(f.name, () => ok({ upload: `up_${f.name}`, attachment: file(f.name, { size: f.size }) })),
      );
    };
    const store = new AttachmentsStore(fakeApi({ attachmentLimits: async () => limits }), upload);
    await store.attach("d1", [png("a.png"), png("huge.png", 5_000_000), png("b.png")]);
    const tray = store.tray("d1");
    expect(tray.refused).toHaveLength(1);
    expect(tray.refused[0]).toContain("huge.png");
    expect(tray.chips.map((c) => [c.name, c.state, c.progress])).toEqual([["a.png", "uploading", 0.5], ["b.png", "uploading", 0.5]]);
    store.removeChip("d1", tray.chips[1].key);
    expect(aborted).toEqual(["b.png"]);
    finish.get("a.png")!();
    finish.get("b.png")!();
    await settle();
    expect(store.tray("d1").chips).toEqual([expect.objectContaining({ name: "a.png", state: "done", progress: 1, upload: "up_a.png" })]);
    store.dismissRefused("d1");
    store.removeChip("d1", store.tray("d1").chips[0].key);
    expect(store.trays.value.has("d1")).toBe(false);
    store.refuse("d1", "Whispers are text-only");
    expect(store.tray("d1").refused).toEqual(["Whispers are text-only"]);
  });

  it("asks a message's links once at a time, and holds the panel's", async () => {
    let asked = 0;
    const far = Date.now() + 3_600_000;
    const store = new AttachmentsStore(
      fakeApi({
        messageAttachments: async () => (asked++, { attachments: [{ id: "a", url: "https://files/a", expires_at: far }] }),
        dialogAttachments: async () => ({
          attachments: [{ attachment: file("b", { name: "b.pdf", content_type: "application/pdf", kind: "file" }), seq: 2, kind: "visitor", sent_at: 1, links: { id: "b", url: "https://files/b", expires_at: far }, resend: "r_b" }],
        }),
      }),
    );
    const [one, two] = await Promise.all([store.linksFor("d1", 1, "a"), store.linksFor("d1", 1, "a")]);
    expect(one?.url).toBe("https://files/a");
    expect(two).toBe(one);
    await store.linksFor("d1", 1, "a");
    expect(asked).toBe(1);
    // A broken image asks again, but not straight after its links came.
    await store.linksFor("d1", 1, "a", true);
    expect(asked).toBe(1);
    expect((await store.dialogAttachments("d1")).map((a) => a.attachment.id)).toEqual(["b"]);
    expect(store.links.value.get("b")?.links.url).toBe("https://files/b");
  });
});
