import { describe, expect, it } from "vitest";
import type { DialogView, TagView } from "../../../protocol/protocol";
import { allTags, ink, passesTags, pinnedIds, pinnedTags, tagChoices, toggle, withPin, withTag, withoutTag, type TagFilter } from "./tags";

const tag = (id: string, name: string, dialogs: number): TagView => ({ id, name, colour: "#123456", dialogs });
const vip = tag("t1", "VIP", 3);
const lead = tag("t2", "Lead", 5);
const cold = tag("t3", "Cold", 1);
const defined = new Map([vip, lead, cold].map((t) => [t.id, t]));
const dialog = (tags: DialogView["tags"]) => ({ id: "d", tags }) as DialogView;

describe("the tag filter", () => {
  const both = dialog([{ tag: "t1", pinned: true }, { tag: "t2", pinned: false }]);
  const onlyVip = dialog([{ tag: "t1", pinned: false }]);
  const none = dialog(undefined);
  const deletedOnly = dialog([{ tag: "gone", pinned: true }]);
  const shown = (f: TagFilter) => [both, onlyVip, none, deletedOnly].filter((d) => passesTags(d, f, defined));

  it("lets every dialog through by default", () => {
    expect(shown(allTags)).toHaveLength(4);
  });

  it("combines the selected tags with AND", () => {
    expect(shown(toggle(allTags, "t1"))).toEqual([both, onlyVip]);
    expect(shown(toggle(toggle(allTags, "t1"), "t2"))).toEqual([both]);
    expect(toggle(toggle(allTags, "t1"), "t1").selected).toEqual([]);
  });

  it("'No tags' keeps the untagged, a deleted tag's id counting as none, and selecting leaves it", () => {
    const f = { ...allTags, none: true };
    expect(shown(f)).toEqual([none, deletedOnly]);
    expect(toggle(f, "t1").none).toBe(false);
  });

  it("'Pinned only' keeps dialogs whose contact pinned a tag, and counts only pinned ones", () => {
    const f = { ...allTags, pinnedOnly: true };
    expect(shown(f)).toEqual([both]);
    expect(shown(toggle(f, "t2"))).toEqual([]);
    expect(shown(toggle(f, "t1"))).toEqual([both]);
  });
});

describe("the filter's list of tags", () => {
  it("sorts by count, the selected first, finds by name and, pinned only, lists pinned tags", () => {
    expect(tagChoices([vip, lead, cold], allTags, "", new Set()).map((t) => t.name)).toEqual(["Lead", "VIP", "Cold"]);
    const f = toggle(allTags, "t3");
    expect(tagChoices([vip, lead, cold], f, "", new Set()).map((t) => t.name)).toEqual(["Cold", "Lead", "VIP"]);
    expect(tagChoices([vip, lead, cold], f, "vi", new Set()).map((t) => t.name)).toEqual(["Cold", "VIP"]);
    const pinned = pinnedIds([dialog([{ tag: "t1", pinned: true }, { tag: "t2", pinned: false }])]);
    expect(tagChoices([vip, lead, cold], { ...allTags, pinnedOnly: true }, "", pinned).map((t) => t.name)).toEqual(["VIP"]);
  });
});

describe("a contact's tags", () => {
  it("are added once, taken off and pinned; rows show the pinned ones the workspace defines", () => {
    const one = withTag([], "t1");
    expect(withTag(one, "t1")).toEqual(one);
    const pinned = withPin(withTag(one, "t2"), "t2");
    expect(pinned).toEqual([{ tag: "t1", pinned: false }, { tag: "t2", pinned: true }]);
    expect(withoutTag(pinned, "t1")).toEqual([{ tag: "t2", pinned: true }]);
    expect(pinnedTags(dialog([...pinned, { tag: "gone", pinned: true }]), defined)).toEqual([lead]);
  });
});

describe("a chip's ink", () => {
  it("is dark on light colours and white on dark ones", () => {
    expect(ink("#ffd700")).toBe("#111");
    expect(ink("#2a7ae2")).toBe("#fff");
    expect(ink("#000000")).toBe("#fff");
  });
});
