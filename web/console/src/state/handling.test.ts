import { describe, expect, it } from "vitest";
import { handlingForm, limitWords, parseHandling, type HandlingForm } from "./handling";

const defaults = { distribution: false, max_active_chats: 5, held_counts_against_limit: false, hand_back_after_secs: 300 };

describe("the chat handling form", () => {
  it("shows seconds as minutes, and the limit off when the workspace has none", () => {
    expect(handlingForm(defaults)).toEqual({ distribution: false, maxActiveChats: "5", heldCounts: false, handBackMinutes: "5", limitOn: false, limitMinutes: "5", retentionDays: "" });
    expect(handlingForm({ ...defaults, delete_closed_after_days: 30 }).retentionDays).toBe("30");
    expect(handlingForm({ ...defaults, reply_time_limit_secs: 90 }).limitMinutes).toBe("1.5");
  });

  it("gives back what the server takes, in seconds, with no limit when it is off", () => {
    const form: HandlingForm = { distribution: true, maxActiveChats: "3", heldCounts: true, handBackMinutes: "0.5", limitOn: true, limitMinutes: "10", retentionDays: "30" };
    expect(parseHandling(form)).toEqual({
      ok: true,
      value: { reply_time_limit_secs: 600, distribution: true, max_active_chats: 3, held_counts_against_limit: true, hand_back_after_secs: 30, delete_closed_after_days: 30 },
    });
    const kept = parseHandling({ ...form, retentionDays: " " });
    expect(kept.ok && "delete_closed_after_days" in kept.value).toBe(false);
    const off = parseHandling({ ...form, limitOn: false, limitMinutes: "nonsense" });
    expect(off.ok && "reply_time_limit_secs" in off.value).toBe(false);
  });

  it("refuses what the server would, saying the range", () => {
    const form = handlingForm(defaults);
    const error = (f: Partial<HandlingForm>) => {
      const p = parseHandling({ ...form, ...f });
      return p.ok ? null : p.error;
    };
    expect(error({ maxActiveChats: "0" })).toBe("Active chats per operator must be a whole number from 1 to 100.");
    expect(error({ maxActiveChats: "2.5" })).toMatch(/whole number/);
    expect(error({ maxActiveChats: "101" })).toMatch(/from 1 to 100/);
    expect(error({ handBackMinutes: "0.25" })).toBe("Hand back after (minutes) must be a number from 0.5 to 1440.");
    expect(error({ limitOn: true, limitMinutes: "0.5" })).toBe("The reply-time limit (minutes) must be a number from 1 to 10080.");
    expect(error({ limitOn: true, limitMinutes: "10081" })).toMatch(/10080/);
    expect(error({ limitOn: true, limitMinutes: "" })).toMatch(/reply-time limit/);
    expect(error({ limitOn: true, limitMinutes: "10080" })).toBeNull();
    expect(error({ retentionDays: "0" })).toBe("Delete closed dialogs after (days) must be a whole number from 1 to 3650.");
    expect(error({ retentionDays: "1.5" })).toMatch(/whole number/);
    expect(error({ retentionDays: "3651" })).toMatch(/3650/);
    expect(error({ retentionDays: "3650" })).toBeNull();
  });

  it("says the limit in words", () => {
    expect([limitWords(undefined), limitWords(300), limitWords(7200), limitWords(90)]).toEqual([
      "no reply-time limit",
      "a reply-time limit of 5 min",
      "a reply-time limit of 2 h",
      "a reply-time limit of 1.5 min",
    ]);
  });
});
