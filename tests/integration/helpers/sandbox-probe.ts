import { logger } from "@/server/logger";
import { type SandboxOptions, type StdioNetworkMode, spawnSandboxed } from "@/server/mcp/stdio/sandbox";
import { DEFAULT_STDIO_SETTINGS } from "@/server/mcp/stdio/supervisor";

/**
 * Runs a probe script (`node -e`, node being world-readable unlike a checkout that may sit in a
 * private directory) in the stdio sandbox and resolves with the JSON of the last line it printed,
 * and the network the process got. With `via`, the command is that executable instead, which gets
 * the script in PROBE_SCRIPT (a shell script that runs node on it).
 */
export function runSandboxProbe<T>(
  script: string,
  options: Pick<SandboxOptions, "runAs" | "network" | "hide"> & {
    fields?: Record<string, string>;
    via?: string;
  },
): Promise<{ seen: T; network: StdioNetworkMode }> {
  return new Promise((resolve, reject) => {
    let line: string | null = null;
    let network: StdioNetworkMode | null = null;
    spawnSandboxed({
      command: options.via ?? process.execPath,
      args: options.via ? [] : ["-e", script],
      fields: { ...options.fields, ...(options.via && { PROBE_SCRIPT: script }) },
      limits: DEFAULT_STDIO_SETTINGS,
      maxLineBytes: 1_000_000,
      log: logger().child({ component: "sandbox-probe" }),
      runAs: options.runAs,
      network: options.network,
      hide: options.hide,
      onLine: (text) => {
        line = text;
      },
      onExit: ({ code }) =>
        line === null || network === null
          ? reject(new Error(`the probe exited with ${code} and said nothing`))
          : resolve({ seen: JSON.parse(line) as T, network }),
    })
      .then((started) => {
        network = started.network;
      })
      .catch(reject);
  });
}
