// What the composer needs besides the DOM: the length limit, drafts per dialog, quick replies
// (with `%name%`, the operator's name) and the `/` shortcut that finds them.

export const MAX_TEXT = 2000;

/** Characters as the server counts them (code points, not UTF-16 units). */
export function length(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function tooLong(text: string): boolean {
  return length(text) > MAX_TEXT;
}

/** Drafts per dialog: kept while switching, dropped once sent (not across a page reload, as the seed says). */
export function setDraft(drafts: ReadonlyMap<string, string>, dialogId: string, text: string): Map<string, string> {
  const out = new Map(drafts);
  if (text.length === 0) out.delete(dialogId);
  else out.set(dialogId, text);
  return out;
}

export interface QuickReply {
  id: string;
  title: string;
  text: string;
}

/** A quick reply's text as it goes into the composer. */
export function expand(text: string, operatorName: string): string {
  return text.replaceAll("%name%", operatorName);
}

/** The `/` shortcut: a composer holding only `/word` lists the quick replies whose title or text has it. */
export function shortcut(composer: string, replies: readonly QuickReply[]): QuickReply[] | null {
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
