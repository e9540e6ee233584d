import { z } from "zod";
import { listManagedServers } from "../../../services/servers/list-managed-servers";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { SERVER_STATUS } from "./fields";

/**
 * servers.list: ManagedServerRow[], most recently changed first. scope "mine" (default) is what the
 * caller owns; "all" is every server and needs server.manage_all. Optional status filter and search
 * (name, slug, registry name, exact tag).
 */
export const list = permissionProcedure("server.publish_personal")
  .input(
    z
      .object({
        scope: z.enum(["mine", "all"]).default("mine"),
        status: SERVER_STATUS.optional(),
        search: z.string().trim().max(200).optional(),
      })
      .strict()
      .optional(),
  )
  .query(({ ctx, input }) =>
    listManagedServers({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      scope: input?.scope ?? "mine",
      status: input?.status,
      search: input?.search,
    }),
  );
