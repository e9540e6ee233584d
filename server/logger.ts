import pino, { type Logger } from "pino";
import { env } from "./env";

/**
 * Structured JSON logs. Anything that may hold a credential is redacted by path, so a careless
 * `log.info({ req })` cannot leak a bearer token, cookie or secret value.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  "req.headers['x-api-key']",
  "res.headers['set-cookie']",
  "*.password",
  "*.passwordHash",
  "*.secret",
  "*.secrets",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.AUTH_SECRET",
  "*.GATEHOUSE_ENCRYPTION_KEY",
];

const GLOBAL_KEY = Symbol.for("gatehouse.logger");
type GlobalWithLogger = typeof globalThis & { [GLOBAL_KEY]?: Logger };

function createLogger(): Logger {
  let level = "info";
  try {
    level = env().LOG_LEVEL;
  } catch {
    // Configuration errors are reported by the entry point; logging must still work meanwhile.
  }
  return pino({
    level,
    base: { service: "gatehouse" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** The process-wide logger, shared between the custom server and Next's bundled route modules. */
export function logger(): Logger {
  const holder = globalThis as GlobalWithLogger;
  holder[GLOBAL_KEY] ??= createLogger();
  return holder[GLOBAL_KEY];
}
