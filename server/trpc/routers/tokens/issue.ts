import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { issueApiToken } from "../../../services/tokens/issue-api-token";
import { EXPIRY_CHOICE, expiresAtFor } from "../../../services/tokens/token-expiry";
import { permissionProcedure } from "../../init";
import { IP_ALLOW_LIST, SCOPES, TOKEN_NAME } from "./fields";

/** Returns the full token: the only time it leaves the server. */
export const issue = permissionProcedure("token.manage_own")
  .input(
    z
      .object({
        name: TOKEN_NAME,
        scopes: SCOPES,
        expiry: EXPIRY_CHOICE,
        ipAllowList: IP_ALLOW_LIST.default([]),
      })
      .strict(),
  )
  .mutation(({ ctx, input }) => {
    const now = new Date();
    return issueApiToken({
      db: ctx.db(),
      userId: ctx.session.user.id,
      name: input.name,
      scopes: input.scopes,
      ipAllowList: input.ipAllowList,
      expiresAt: expiresAtFor(input.expiry, now),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      now,
    });
  });
