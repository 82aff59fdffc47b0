// Contacts in the console: the sidebar's rows follow a contact's new name and block, and an edit's
// refusal points at the field it is about.

import type { ContactView } from "../../../protocol/protocol";
import type { Rows } from "./sidebar";

/** Every row of the contact's dialogs, named and blocked as the contact is now. */
export function renameContact(rows: Rows, contact: Pick<ContactView, "id" | "name" | "blocked">): Rows {
  let next: Map<string, Rows extends ReadonlyMap<string, infer R> ? R : never> | null = null;
  const blocked = !!contact.blocked;
  for (const [id, row] of rows) {
    if (row.dialog.contact_id === contact.id && (row.dialog.visitor_name !== contact.name || !!row.dialog.blocked !== blocked)) {
      (next ??= new Map(rows)).set(id, { ...row, dialog: { ...row.dialog, visitor_name: contact.name, blocked } });
    }
  }
  return next ?? rows;
}

/** The field an edit's error code is about (the form marks it); `undefined` for the form as a whole. */
export function fieldOf(code: string, message = ""): "email" | "phone" | undefined {
  const about = code === "contact_key_taken" ? message : code;
  return /phone/.test(about) ? "phone" : /email/.test(about) ? "email" : undefined;
}
