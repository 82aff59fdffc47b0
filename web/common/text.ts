// The one limit on a message's text, as the server counts it: console and widget both use this.

/** At most this many characters in a message. */
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
