import { getCommandTemplates } from "../../../services/settings/command-templates";
import { permissionProcedure } from "../../init";

/**
 * servers.commandTemplates: the stdio command templates an admin allows, for the publish form.
 * Returns { templates: { id, label, command, args }[] } ("{package}" / "{version}" in args).
 */
export const commandTemplates = permissionProcedure("server.publish_personal").query(async ({ ctx }) => ({
  templates: await getCommandTemplates(ctx.db()),
}));
