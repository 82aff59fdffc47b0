import { describe, expect, it } from "vitest";
import { expand, setDraft, shortcut, titleFrom } from "./compose";

describe("composer rules", () => {
  it("keeps a draft per dialog and drops it when emptied", () => {
    let drafts = setDraft(new Map(), "a", "hello");
    drafts = setDraft(drafts, "b", "other");
    expect(drafts.get("a")).toBe("hello");
    drafts = setDraft(drafts, "a", "");
    expect([...drafts.keys()]).toEqual(["b"]);
  });

  it("expands %name% to the operator's name, everywhere", () => {
    expect(expand("Hi, I'm %name%. %name% here to help.", "Anna")).toBe("Hi, I'm Anna. Anna here to help.");
  });

  it("finds quick replies with the / shortcut, by title or text", () => {
    const replies = [
      { id: "1", title: "Greeting", text: "Hello, I'm %name%" },
      { id: "2", title: "Refund", text: "Your refund is on its way" },
    ];
    expect(shortcut("hello", replies)).toBe(null);
    expect(shortcut("/", replies)!.map((r) => r.id)).toEqual(["1", "2"]);
    expect(shortcut("/ref", replies)!.map((r) => r.id)).toEqual(["2"]);
    expect(shortcut("/way", replies)!.map((r) => r.id)).toEqual(["2"]);
    expect(shortcut("/ref more", replies)).toBe(null);
  });

  it("titles a quick reply made from a message by its first words", () => {
    expect(titleFrom("  short\n text ")).toBe("short text");
    expect(titleFrom("a".repeat(40))).toHaveLength(30);
  });
});
