import { effectiveStdioNetwork } from "../../../mcp/stdio/sandbox";
import { permissionProcedure } from "../../init";

/**
 * settings.getStdioNetwork: { configured, effective }, the network stdio servers get on this
 * instance (GATEHOUSE_STDIO_NETWORK; effective is null where it needs a network namespace that
 * cannot be made here, so stdio servers do not start).
 */
export const getStdioNetwork = permissionProcedure("system.read").query(() => effectiveStdioNetwork());
