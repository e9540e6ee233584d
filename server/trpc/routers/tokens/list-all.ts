import { z } from "zod";
import { listAllTokens } from "../../../services/tokens/list-all-tokens";
import { permissionProcedure } from "../../init";

export const listAll = permissionProcedure("token.revoke_any")
  .input(
    z
      .object({
        search: z.string().max(200).optional(),
        userId: z.string().max(100).optional(),
        cursor: z.string().max(100).nullish(),
        limit: z.number().int().min(1).max(200).optional(),
        // Sent by infinite queries; pages only go forward.
        direction: z.enum(["forward", "backward"]).optional(),
      })
      .strict(),
  )
  .query(({ ctx, input }) =>
    listAllTokens({
      db: ctx.db(),
      actor: ctx.session.user,
      search: input.search,
      userId: input.userId,
      cursor: input.cursor ?? undefined,
      limit: input.limit,
    }),
  );
