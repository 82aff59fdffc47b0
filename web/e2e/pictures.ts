// An operator's pictures into a dialog, as the console sends them: a grant for each, the form to
// storage (on its own origin in AWS's shape), then one message that carries them all.
import { expect } from "vitest";
import type { MessageView, UploadGrant } from "../protocol/protocol";
import { newId } from "../common/ids";
import { api, type Parlor, type ScriptedClient } from "./harness";

export async function operatorSendsPictures(
  parlor: Parlor,
  token: string,
  op: ScriptedClient,
  dialog_id: string,
  text: string,
  pictures: { name: string; bytes: Buffer }[],
): Promise<MessageView> {
  const uploads: string[] = [];
  for (const p of pictures) {
    const grant = await api<UploadGrant>(parlor, "POST", "/uploads", { token, body: { name: p.name, size: p.bytes.length, content_type: "image/png" } });
    const form = new FormData();
    for (const [k, v] of grant.fields) form.append(k, v);
    form.append("file", new Blob([new Uint8Array(p.bytes)], { type: "image/png" }), p.name);
    const stored = await fetch(new URL(grant.url, parlor.url), { method: "POST", body: form });
    expect(stored.status, await stored.clone().text()).toBeLessThan(300);
    uploads.push(grant.upload);
  }
  return (await op.request({ action: "message", op: "send", dialog_id, client_id: newId(), text, uploads })).message!;
}
