import { z } from "zod";
import {
  MAX_IP_ENTRIES,
  MAX_SCOPE_ENTRIES,
  MAX_TOKEN_NAME_LENGTH,
} from "../../../services/tokens/issue-api-token";

/** Input shapes of the tokens procedures; the services check ids, tools and addresses. */
export const TOKEN_NAME = z.string().trim().min(1, "Give the token a name.").max(MAX_TOKEN_NAME_LENGTH);

export const TOKEN_ID = z.string().max(100);

export const SCOPE_ENTRY = z
  .object({
    connectionId: z.string().max(100).optional(),
    serverId: z.string().max(100).optional(),
    tools: z.array(z.string().max(200)).max(500).optional(),
  })
  .strict();

export const SCOPES = z.array(SCOPE_ENTRY).max(MAX_SCOPE_ENTRIES);

export const IP_ALLOW_LIST = z.array(z.string().max(100)).max(MAX_IP_ENTRIES);
