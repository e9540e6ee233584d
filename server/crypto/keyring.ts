import { env } from "../env";
import { type Keyring, keyringFromBase64 } from "./envelope";

let cached: Keyring | undefined;

/** The installation's keyring: GATEHOUSE_ENCRYPTION_KEY seals, it and any previous keys open. */
export function appKeyring(): Keyring {
  const config = env();
  cached ??= keyringFromBase64(config.GATEHOUSE_ENCRYPTION_KEY, config.GATEHOUSE_ENCRYPTION_KEYS_PREVIOUS);
  return cached;
}
