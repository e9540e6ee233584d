import { getSignUpPolicy as readSignUpPolicy } from "../../../services/auth/sign-up-policy";
import { permissionProcedure } from "../../init";

export const getSignUpPolicy = permissionProcedure("settings.manage").query(async ({ ctx }) => ({
  policy: await readSignUpPolicy(ctx.db()),
}));
