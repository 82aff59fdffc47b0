import { describe, expect, it } from "vitest";
import type { OperatorView } from "../../../protocol/protocol";
import { RIGHTS } from "../../../protocol/protocol";
import { can, canTransfer, RIGHT_NAMES, seesSettings } from "./rights";

const anna: OperatorView = {
  id: "op_anna",
  name: "Anna",
  email: "anna@example.com",
  role: "operator",
  status: "online",
  groups: [],
  rights: ["see_colleagues_dialogs"],
  active: true,
};

describe("what the console offers", () => {
  it("follows the rights the server says I hold, and an admin holds them all", () => {
    expect(can(anna, "see_colleagues_dialogs")).toBe(true);
    expect(can(anna, "manage_settings")).toBe(false);
    expect(can({ ...anna, role: "admin", rights: [] }, "manage_settings")).toBe(true);
    expect(can(null, "see_colleagues_dialogs")).toBe(false);
    expect(seesSettings(anna)).toBe(false);
    expect(seesSettings({ ...anna, rights: ["manage_settings"] })).toBe(true);
  });

  it("offers Transfer to the operator in charge and to those who may reassign", () => {
    expect(canTransfer(anna, { assignee: { id: "op_anna", name: "Anna" } })).toBe(true);
    expect(canTransfer(anna, { assignee: { id: "op_boris", name: "Boris" } })).toBe(false);
    expect(canTransfer(anna, {})).toBe(false);
    expect(canTransfer({ ...anna, rights: ["reassign_dialogs"] }, { assignee: { id: "op_boris", name: "Boris" } })).toBe(true);
  });

  it("names every right the server knows", () => {
    expect(Object.keys(RIGHT_NAMES).sort()).toEqual([...RIGHTS].sort());
  });
});
