/**
 * Loaded with `--import` into the mcp-proxy CLI's process so it reports its CPU and memory like the
 * other participants (it has no counters of its own; its stdio upstream is a separate process).
 */
import { installProbe } from "./probe";

installProbe(
  () => ({ initializes: 0, calls: 0 }),
  async () => undefined,
);
