// The workspace's chat handling settings as Settings edits them: minutes where the server keeps
// seconds, the reply-time limit on or off. The ranges are the server's (domain/handling.rs), which
// checks them again.

import type { ChatHandling } from "../../../protocol/protocol";

/** The reply-time limit: a minute to a week. */
export const REPLY_LIMIT_MINUTES = { min: 1, max: 7 * 24 * 60 } as const;
export const MAX_ACTIVE_CHATS = { min: 1, max: 100 } as const;
/** Hand back after: 30 seconds to a day, in minutes. */
export const HAND_BACK_MINUTES = { min: 0.5, max: 24 * 60 } as const;
/** Retention: closed dialogs deleted a day to ten years after they close. */
export const RETENTION_DAYS = { min: 1, max: 3650 } as const;

export interface HandlingForm {
  distribution: boolean;
  maxActiveChats: string;
  heldCounts: boolean;
  handBackMinutes: string;
  limitOn: boolean;
  limitMinutes: string;
  /** Empty: closed dialogs are kept. */
  retentionDays: string;
}

const minutes = (secs: number) => String(Math.round((secs / 60) * 100) / 100);

export function handlingForm(h: ChatHandling): HandlingForm {
  return {
    distribution: h.distribution,
    maxActiveChats: String(h.max_active_chats),
    heldCounts: h.held_counts_against_limit,
    handBackMinutes: minutes(h.hand_back_after_secs),
    limitOn: h.reply_time_limit_secs !== undefined,
    limitMinutes: minutes(h.reply_time_limit_secs ?? 5 * 60),
    retentionDays: String(h.delete_closed_after_days ?? ""),
  };
}

/** The form as `PUT /api/workspace/handling` takes it, or what is wrong with it. */
export function parseHandling(form: HandlingForm): { ok: true; value: ChatHandling } | { ok: false; error: string } {
  const number = (text: string, range: { min: number; max: number }, what: string, whole: boolean): number | string => {
    const t = text.trim().replace(",", ".");
    const n = Number(t);
    const shape = whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
    if (!shape.test(t) || n < range.min || n > range.max) return `${what} must be a ${whole ? "whole " : ""}number from ${range.min} to ${range.max}.`;
    return n;
  };
  const chats = number(form.maxActiveChats, MAX_ACTIVE_CHATS, "Active chats per operator", true);
  if (typeof chats === "string") return { ok: false, error: chats };
  const handBack = number(form.handBackMinutes, HAND_BACK_MINUTES, "Hand back after (minutes)", false);
  if (typeof handBack === "string") return { ok: false, error: handBack };
  let limit: number | undefined;
  if (form.limitOn) {
    const l = number(form.limitMinutes, REPLY_LIMIT_MINUTES, "The reply-time limit (minutes)", false);
    if (typeof l === "string") return { ok: false, error: l };
    limit = Math.round(l * 60);
  }
  let retention: number | undefined;
  if (form.retentionDays.trim()) {
    const days = number(form.retentionDays, RETENTION_DAYS, "Delete closed dialogs after (days)", true);
    if (typeof days === "string") return { ok: false, error: days };
    retention = days;
  }
  return {
    ok: true,
    value: {
      ...(limit !== undefined ? { reply_time_limit_secs: limit } : {}),
      distribution: form.distribution,
      max_active_chats: chats,
      held_counts_against_limit: form.heldCounts,
      hand_back_after_secs: Math.round(handBack * 60),
      ...(retention !== undefined ? { delete_closed_after_days: retention } : {}),
    },
  };
}

/** The limit in words, for what Settings says once saved: "5 min", "2 h", "no limit". */
export function limitWords(secs: number | undefined): string {
  if (secs === undefined) return "no reply-time limit";
  const min = secs / 60;
  if (min < 60 || min % 60 !== 0) return `a reply-time limit of ${Math.round(min * 100) / 100} min`;
  return `a reply-time limit of ${min / 60} h`;
}
