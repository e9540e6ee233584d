import { listMyTokens } from "../../../services/tokens/list-my-tokens";
import { permissionProcedure } from "../../init";

export const list = permissionProcedure("token.manage_own").query(({ ctx }) =>
  listMyTokens({ db: ctx.db(), userId: ctx.session.user.id }),
);
