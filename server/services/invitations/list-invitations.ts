import type { Db } from "../../db";
import { INVITATION_ROW_SELECT, type InvitationRow, toInvitationRow } from "./invitation-row";

/** Enough history for the invitations page; older ones stay in the audit log. */
const MAX_ROWS = 500;

export async function listInvitations(options: { db: Db; now?: Date }): Promise<InvitationRow[]> {
  const now = options.now ?? new Date();
  const rows = await options.db.invitation.findMany({
    select: INVITATION_ROW_SELECT,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: MAX_ROWS,
  });
  return rows.map((row) => toInvitationRow(row, now));
}
