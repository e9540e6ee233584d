import { getProfile } from "../../../services/profile/get-profile";
import { permissionProcedure } from "../../init";

export const get = permissionProcedure("profile.manage_own").query(({ ctx }) =>
  getProfile({ db: ctx.db(), userId: ctx.session.user.id, currentSessionId: ctx.session.sessionId }),
);
