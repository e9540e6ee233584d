import { effectiveStdioNetwork } from "../../../mcp/stdio/sandbox";
import { permissionProcedure } from "../../init";

/**
 * settings.getStdioNetwork: { configured, effective }, the network stdio servers get on this
 * instance (GATEHOUSE_STDIO_NETWORK, and "host" where no network namespace can be made here).
 */
export const getStdioNetwork = permissionProcedure("system.read").query(() => effectiveStdioNetwork());
