import { listInvitations } from "../../../services/invitations/list-invitations";
import { permissionProcedure } from "../../init";

export const list = permissionProcedure("user.invite").query(({ ctx }) => listInvitations({ db: ctx.db() }));
