// What the signed-in operator may do, from the rights the server says they hold (their groups',
// "Everyone"'s, or all for an admin): the console offers only that. The server checks each again.

import type { DialogView, OperatorView, Right } from "../../../protocol/protocol";

/** Plain names of the rights, as the Groups settings list them. */
export const RIGHT_NAMES: Record<Right, string> = {
  see_colleagues_dialogs: "See colleagues' dialogs",
  reassign_dialogs: "Reassign any dialog",
  delete_dialogs: "Delete dialogs",
  view_reports: "View reports",
  manage_settings: "Manage sites and settings",
};

export function can(me: OperatorView | null, right: Right): boolean {
  return !!me && (me.role === "admin" || me.rights.includes(right));
}

/** The operator in charge may hand their dialog on; reassigning anyone's is a right. */
export function canTransfer(me: OperatorView | null, dialog: Pick<DialogView, "assignee">): boolean {
  return !!me && (dialog.assignee?.id === me.id || can(me, "reassign_dialogs"));
}

/** Settings opens for admins (the team, groups) and for those who may manage sites. */
export function seesSettings(me: OperatorView | null): boolean {
  return can(me, "manage_settings");
}
