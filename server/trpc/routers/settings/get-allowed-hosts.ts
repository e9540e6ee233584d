import { getOutboundPolicy } from "../../../services/settings/outbound-policy";
import { permissionProcedure } from "../../init";

export const getAllowedHosts = permissionProcedure("settings.manage").query(async ({ ctx }) => ({
  hosts: [...(await getOutboundPolicy(ctx.db())).allowedHosts],
}));
