import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { revokeApiToken } from "../../../services/tokens/revoke-api-token";
import { permissionProcedure } from "../../init";
import { TOKEN_ID } from "./fields";

/** Own tokens for everyone; anyone's with token.revoke_any (checked in the service, X6). */
export const revoke = permissionProcedure("token.manage_own")
  .input(z.object({ tokenId: TOKEN_ID }).strict())
  .mutation(({ ctx, input }) =>
    revokeApiToken({
      db: ctx.db(),
      actor: ctx.session.user,
      token: { tokenId: input.tokenId },
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
    }),
  );
