import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import {
  SIGN_UP_POLICIES,
  setSignUpPolicy as writeSignUpPolicy,
} from "../../../services/auth/sign-up-policy";
import { permissionProcedure } from "../../init";

export const setSignUpPolicy = permissionProcedure("settings.manage")
  .input(z.object({ policy: z.enum(SIGN_UP_POLICIES) }).strict())
  .mutation(async ({ ctx, input }) => {
    await writeSignUpPolicy({
      db: ctx.db(),
      policy: input.policy,
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    });
    return { policy: input.policy };
  });
