import { z } from "zod";
import { MAX_CONFIG_FIELDS, MAX_CONFIG_VALUE_LENGTH } from "../../../services/servers/config-fields";

/** Input rules shared by the connections procedures; the services check values against the fields. */
export const CONNECTION_NAME = z
  .string()
  .trim()
  .max(100, "Use at most 100 characters.")
  .refine((value) => !/\p{Cc}/u.test(value), "The name must not contain control characters.");

/** Checked for shape only; the service answers NOT_FOUND for anything that is not one of the user's. */
export const CONNECTION_ID = z.string().max(100);

export const SERVER_SLUG = z.string().max(200);

export const CONFIG_VALUES = z
  .record(z.string().min(1).max(200), z.string().max(MAX_CONFIG_VALUE_LENGTH))
  .refine((values) => Object.keys(values).length <= MAX_CONFIG_FIELDS, "Too many configuration values.");
