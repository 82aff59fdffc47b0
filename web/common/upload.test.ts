import { describe, expect, it } from "vitest";
import { megabytes, refusal, uploadForm } from "./upload";
import type { UploadGrant } from "../protocol/protocol";

const limits = { image_max_bytes: 10 * 1024 * 1024, file_max_bytes: 25 * 1024 * 1024 };

describe("files are checked before they are uploaded", () => {
  it("holds images and other files to their own limits", () => {
    expect(refusal({ name: "cat.png", size: 9 * 1024 * 1024, type: "image/png" }, limits)).toBeNull();
    expect(refusal({ name: "cat.png", size: 11 * 1024 * 1024, type: "image/png" }, limits)).toBe(
      "cat.png is 11 MB; images may be at most 10 MB",
    );
    expect(refusal({ name: "report.pdf", size: 11 * 1024 * 1024, type: "application/pdf" }, limits)).toBeNull();
    expect(refusal({ name: "movie.mp4", size: 30 * 1024 * 1024, type: "video/mp4" }, limits)).toContain("files may be at most 25 MB");
  });

  it("refuses files that run, whatever type the browser reports, and empty ones", () => {
    expect(refusal({ name: "setup.EXE", size: 10, type: "application/octet-stream" }, limits)).toContain("not allowed");
    expect(refusal({ name: "logo.svg", size: 10, type: "image/svg+xml" }, limits)).toContain("not allowed");
    expect(refusal({ name: "a.txt", size: 0, type: "text/plain" }, limits)).toBe("a.txt is empty");
  });

  it("speaks of sizes as the server does", () => {
    expect(megabytes(10 * 1024 * 1024)).toBe("10 MB");
    expect(megabytes(1.5 * 1024 * 1024)).toBe("1.5 MB");
    // Limits an admin lowered, and small files: never "0.0 MB".
    expect(megabytes(2048)).toBe("2 KB");
    expect(megabytes(5000)).toBe("4.9 KB");
    expect(megabytes(300)).toBe("300 B");
    expect(refusal({ name: "big.png", size: 5000, type: "image/png" }, { image_max_bytes: 1024, file_max_bytes: 2048 })).toBe(
      "big.png is 4.9 KB; images may be at most 1 KB",
    );
  });

  it("puts the grant's fields first, in order, and the file last", () => {
    const grant = { fields: [["key", "a/ws/att"], ["policy", "p"], ["x-amz-signature", "s"]] } as unknown as UploadGrant;
    const form = uploadForm(grant, new Blob(["x"]));
    expect([...form.keys()]).toEqual(["key", "policy", "x-amz-signature", "file"]);
  });
});
