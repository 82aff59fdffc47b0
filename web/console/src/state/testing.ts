// Shared by the state tests: a dialog as the server sends it, the sidebar's view, rows of dialogs.
import type { DialogView } from "../../../protocol/protocol";
import { upsertDialog, type Rows, type View } from "./sidebar";

export const ME = "op_me";

export const dialog = (id: string, over: Partial<DialogView> = {}): DialogView => ({
  id,
  site: "site_1",
  visitor_id: `vis_${id}`,
  visitor_name: `Visitor ${id}`,
  status: "open",
  participants: [],
  needs_answer: true,
  waiting_since: 100,
  last_activity: 100,
  seq: 1,
  visitor_messages: 1,
  created_at: 100,
  ...over,
});

export const view = (over: Partial<View> = {}): View => ({ tab: "open", filter: "all", sort: "activity", query: "", me: ME, state: "any", lastBy: "any", ...over });

/** Rows of these dialogs; `ringing` as the server's flag would set it. */
export const rowsOf = (ringing: boolean, ...ds: DialogView[]): Rows => ds.reduce<Rows>((r, d) => upsertDialog(r, d, ringing), new Map());
