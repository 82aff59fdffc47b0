import { describe, expect, it } from "vitest";
import { localOrMemory, MemoryStorage } from "./storage";

describe("the widget's storage", () => {
  it("is the browser's when the document may use it", () => {
    const own = new MemoryStorage();
    expect(localOrMemory(() => own)).toBe(own);
  });

  it("falls back to memory when the browser denies it, and keeps what is put there", () => {
    const denied = () => {
      throw new DOMException("Access is denied for this document.", "SecurityError");
    };
    const s = localOrMemory(denied);
    expect(s).toBeInstanceOf(MemoryStorage);
    s.setItem("parlor:site:token", "vt_1");
    expect(s.getItem("parlor:site:token")).toBe("vt_1");
    expect(s.length).toBe(1);
    expect(s.key(0)).toBe("parlor:site:token");
    s.removeItem("parlor:site:token");
    expect(s.getItem("parlor:site:token")).toBeNull();
  });

  it("falls back when writing throws (a full or read-only store)", () => {
    const readOnly = new MemoryStorage();
    readOnly.setItem = () => {
      throw new DOMException("quota", "QuotaExceededError");
    };
    expect(localOrMemory(() => readOnly)).not.toBe(readOnly);
  });
});
