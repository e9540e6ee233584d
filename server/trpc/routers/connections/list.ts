import { listMyConnections } from "../../../services/connections/list-my-connections";
import { permissionProcedure } from "../../init";

export const list = permissionProcedure("connection.manage_own").query(({ ctx }) =>
  listMyConnections({ db: ctx.db(), userId: ctx.session.user.id }),
);
