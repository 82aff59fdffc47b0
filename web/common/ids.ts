// Client-made ids: request ids and message client ids (the server's idempotency key). Random
// enough to never collide, and made without `crypto.randomUUID`, which plain-http pages lack.

export function newId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
