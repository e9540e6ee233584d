import { z } from "zod";
import { MAX_ALLOWED_TOOLS } from "../../../services/registries/allowed-tools";

/** Field rules shared by the registry procedures. */
export const REGISTRY_NAME = z.string().trim().min(1, "Enter a registry name.").max(100);
export const REGISTRY_SLUG = z.string().trim().min(1, "Enter a slug.").max(63);
export const REGISTRY_DESCRIPTION = z.string().trim().max(500);
/** Checked against the server's discovered tools (or the tool-name pattern) by the service. */
export const ALLOWED_TOOLS = z.array(z.string().trim().min(1).max(128)).max(MAX_ALLOWED_TOOLS);
