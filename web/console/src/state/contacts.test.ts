import { describe, expect, it } from "vitest";
import { fieldOf, renameContact } from "./contacts";
import type { Rows } from "./sidebar";
import type { DialogView } from "../../../protocol/protocol";

const dialog = (id: string, contact?: string): DialogView =>
  ({ id, site: "site_1", visitor_id: "vis_1", visitor_name: "Vera", contact_id: contact, status: "open", participants: [], needs_answer: false, last_activity: 1, seq: 1, visitor_messages: 1, created_at: 1 }) as DialogView;

describe("contacts in the console", () => {
  it("renames the rows of the contact's dialogs only", () => {
    const rows: Rows = new Map([
      ["d1", { dialog: dialog("d1", "ct_1"), unread: 0, ringing: false }],
      ["d2", { dialog: dialog("d2", "ct_2"), unread: 0, ringing: false }],
      ["d3", { dialog: dialog("d3"), unread: 0, ringing: false }],
    ]);
    const renamed = renameContact(rows, { id: "ct_1", name: "Vera Petrova" });
    expect(renamed.get("d1")!.dialog.visitor_name).toBe("Vera Petrova");
    expect(renamed.get("d2")!.dialog.visitor_name).toBe("Vera");
    expect(renamed.get("d3")!.dialog.visitor_name).toBe("Vera");
    expect(renameContact(renamed, { id: "ct_1", name: "Vera Petrova" })).toBe(renamed);
  });

  it("blocks and unblocks the rows of the contact's dialogs", () => {
    const rows: Rows = new Map([
      ["d1", { dialog: dialog("d1", "ct_1"), unread: 0, ringing: false }],
      ["d2", { dialog: dialog("d2", "ct_2"), unread: 0, ringing: false }],
    ]);
    const blocked = renameContact(rows, { id: "ct_1", name: "Vera", blocked: { by: "op_1", at: 5 } });
    expect(blocked.get("d1")!.dialog.blocked).toBe(true);
    expect(blocked.get("d2")!.dialog.blocked).toBeUndefined();
    const unblocked = renameContact(blocked, { id: "ct_1", name: "Vera" });
    expect(unblocked.get("d1")!.dialog.blocked).toBe(false);
    expect(renameContact(unblocked, { id: "ct_1", name: "Vera" })).toBe(unblocked);
  });

  it("points a refusal at its field", () => {
    expect(fieldOf("invalid_email")).toBe("email");
    expect(fieldOf("invalid_phone")).toBe("phone");
    expect(fieldOf("invalid_request")).toBeUndefined();
    expect(fieldOf("contact_key_taken", "another contact has this phone; merge")).toBe("phone");
    expect(fieldOf("contact_key_taken", "another contact has this email; merge")).toBe("email");
  });
});
