import { z } from "zod";
import { auditContextFromHeaders } from "../../../audit/record";
import { retireServer } from "../../../services/servers/retire-server";
import { actorFromUser } from "../../../services/servers/server-actor";
import { permissionProcedure } from "../../init";
import { SERVER_ID } from "./fields";

/** servers.retire: takes a server out of use (owner or admin); it stays in the database. Returns the detail. */
export const retire = permissionProcedure("server.publish_personal")
  .input(z.object({ serverId: SERVER_ID }).strict())
  .mutation(({ ctx, input }) =>
    retireServer({
      db: ctx.db(),
      actor: actorFromUser(ctx.session.user),
      context: auditContextFromHeaders(ctx.headers, ctx.session.user.id),
      serverId: input.serverId,
    }),
  );
