// The one limit on a message's text, as the server counts it: console and widget both use this.

import { MAX_TEXT_CHARS } from "../protocol/protocol";

/** At most this many characters in a message (the server's `MAX_TEXT_CHARS`, generated into protocol.ts). */
export { MAX_TEXT_CHARS as MAX_TEXT } from "../protocol/protocol";

/** Characters as the server counts them (code points, not UTF-16 units). */
export function length(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function tooLong(text: string): boolean {
  return length(text) > MAX_TEXT_CHARS;
}
