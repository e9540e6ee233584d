import { getCommandTemplates as readCommandTemplates } from "../../../services/settings/command-templates";
import { permissionProcedure } from "../../init";

/** settings.getCommandTemplates: { templates: { id, label, command, args }[] }, the stdio allow-list. */
export const getCommandTemplates = permissionProcedure("system.read").query(async ({ ctx }) => ({
  templates: await readCommandTemplates(ctx.db()),
}));
