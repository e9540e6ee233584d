import { getOutboundPolicy } from "../../../services/settings/outbound-policy";
import { permissionProcedure } from "../../init";

export const getAllowedHosts = permissionProcedure("settings.manage").query(async ({ ctx }) => {
  const policy = await getOutboundPolicy(ctx.db());
  return { hosts: [...policy.allowedHosts], forEveryone: [...(policy.everyoneHosts ?? [])] };
});
