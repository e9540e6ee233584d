import { z } from "zod";
import { getManagedServer } from "../../../services/servers/get-managed-server";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";

/**
 * servers.get: one server as its owner or an admin manages it, by `serverId` or `slug` (exactly
 * one). ManagedServerDetail: metadata, owner, health, viewer rights, and versions newest first
 * (review state, configSchema, non-secret sharedConfig, names of set shared secrets, discovery and
 * capabilities). Anyone else: NOT_FOUND.
 */
export const get = permissionProcedure("server.publish_personal")
  .input(
    z
      .object({ serverId: z.string().max(100).optional(), slug: z.string().max(200).optional() })
      .strict()
      .refine((input) => (input.serverId === undefined) !== (input.slug === undefined), {
        message: "Give either serverId or slug.",
      }),
  )
  .query(({ ctx, input }) =>
    getManagedServer({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      serverId: input.serverId,
      slug: input.slug,
    }),
  );
