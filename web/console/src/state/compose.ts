// What the composer needs besides the DOM: drafts per dialog, quick replies (with `%name%`, the
// operator's name) and the `/` shortcut that finds them. The length limit is web/common/text.ts.

import type { QuickReplyView } from "../../../protocol/protocol";

/** Drafts per dialog: kept while switching, dropped once sent (not across a page reload, as the seed says). */
export function setDraft(drafts: ReadonlyMap<string, string>, dialogId: string, text: string): Map<string, string> {
  const out = new Map(drafts);
  if (text.length === 0) out.delete(dialogId);
  else out.set(dialogId, text);
  return out;
}

/** A quick reply as the server sends it (`QuickReplyView`, generated): the console keeps them as they come. */
export type QuickReply = QuickReplyView;

/** A quick reply's text as it goes into the composer. */
export function expand(text: string, operatorName: string): string {
  return text.replaceAll("%name%", operatorName);
}

/** The `/` shortcut: a composer holding only `/word` lists the quick replies whose title or text has it. */
export function shortcut<R extends Pick<QuickReply, "title" | "text">>(composer: string, replies: readonly R[]): R[] | null {
  const m = /^\/(\S*)$/.exec(composer);
  if (!m) return null;
  const q = m[1].toLowerCase();
  return replies.filter((r) => r.title.toLowerCase().includes(q) || r.text.toLowerCase().includes(q));
}

/** A title for a quick reply made from a message: its first words. */
export function titleFrom(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= 30 ? flat : `${flat.slice(0, 29)}…`;
}

/** The small built-in emoji set of the picker. */
export const EMOJI = ["😀", "😊", "😉", "😂", "🙂", "😍", "🤔", "😢", "😮", "🙏", "👍", "👎", "👋", "👌", "🎉", "❤️", "✅", "❌", "⭐", "🔥", "📦", "🚚", "💳", "📞"];
