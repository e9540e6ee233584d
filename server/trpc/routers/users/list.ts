import { z } from "zod";
import { PLATFORM_ROLES } from "../../../policy/permissions";
import { listUsers } from "../../../services/users/list-users";
import { permissionProcedure } from "../../init";

export const list = permissionProcedure("user.read")
  .input(
    z
      .object({
        search: z.string().trim().max(200).optional(),
        role: z.enum(PLATFORM_ROLES).optional(),
        status: z.enum(["ACTIVE", "DEACTIVATED"]).optional(),
        cursor: z.uuid().optional(),
        limit: z.number().int().min(1).max(100).default(50),
        // Sent by tRPC's infinite queries on every page; only forward paging exists.
        direction: z.literal("forward").optional(),
      })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) =>
    listUsers({
      db: ctx.db(),
      search: input?.search,
      role: input?.role,
      status: input?.status,
      cursor: input?.cursor,
      limit: input?.limit ?? 50,
    }),
  );
