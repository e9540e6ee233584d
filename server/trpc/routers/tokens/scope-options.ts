import { getTokenScopeOptions } from "../../../services/tokens/get-token-scope-options";
import { permissionProcedure } from "../../init";

export const scopeOptions = permissionProcedure("token.manage_own").query(({ ctx }) =>
  getTokenScopeOptions({ db: ctx.db(), userId: ctx.session.user.id }),
);
