import { describe, expect, it } from "vitest";
import type { StdioIdentity, StdioNetworkMode } from "@/server/mcp/stdio/sandbox";
import { DEFAULT_STDIO_SETTINGS } from "@/server/mcp/stdio/supervisor";
import { runSandboxProbe } from "./helpers/sandbox-probe";

/**
 * What a stdio server process can reach of the gateway (PROTOCOL X2, DESIGN security defaults): it
 * runs in a PID namespace of its own with a fresh /proc, so the gateway's processes, their
 * environment (DATABASE_URL, keys) and working directory are out of its sight, and, when the gateway
 * is root, as an unprivileged user. The probe is a plain node script (node is world-readable, unlike
 * a checkout that may sit in a private directory).
 */

const PROBE = `
const fs = require("node:fs");
const gateway = process.env.GATEWAY_PID;
const tryRead = (file) => { try { fs.readFileSync(file); return "read"; } catch (error) { return error.code; } };
console.log(JSON.stringify({
  uid: process.getuid(),
  gid: process.getgid(),
  pids: fs.readdirSync("/proc").filter((name) => /^\\d+$/.test(name)).map(Number),
  gatewayEnviron: tryRead("/proc/" + gateway + "/environ"),
  homeWritable: (() => { try { fs.writeFileSync(process.env.HOME + "/x", "1"); return true; } catch { return false; } })(),
  limits: Object.fromEntries(fs.readFileSync("/proc/self/limits", "utf8").split("\\n").slice(1)
    .map((row) => [row.slice(0, 26).trim(), row.slice(26, 47).trim()]).filter(([name]) => name)),
}));
`;

type Probe = {
  uid: number;
  gid: number;
  pids: number[];
  gatewayEnviron: string;
  homeWritable: boolean;
  /** /proc/self/limits: soft limit by name */
  limits: Record<string, string>;
};

async function runProbe(runAs: StdioIdentity, network: StdioNetworkMode): Promise<Probe> {
  const probe = await runSandboxProbe<Probe>(PROBE, {
    runAs,
    fields: { GATEWAY_PID: String(process.pid) },
    network: { mode: network, policy: async () => ({ allowedHosts: [] }) },
  });
  return probe.seen;
}

// Both ways a process is started: through the init of its own network namespace (the default,
// mcp-stdio-network.test.ts), and straight under unshare with the host's network.
describe.each<StdioNetworkMode>(["guarded", "host"])("the stdio sandbox (network: %s)", (network) => {
  const isRoot = process.getuid?.() === 0;

  it("runs the process in a PID namespace of its own: the gateway's /proc entries are not there", async () => {
    const seen = await runProbe({ uid: 65534, gid: 65534 }, network);
    expect(seen.pids).not.toContain(process.pid);
    // a handful of processes with small numbers: the namespace's (the init, the setup commands it ran)
    expect(seen.pids.length).toBeLessThan(5);
    expect(Math.max(...seen.pids)).toBeLessThan(30);
    expect(seen.gatewayEnviron).toBe("ENOENT");
    expect(seen.homeWritable).toBe(true);
  });

  it("runs it under the resource limits (CPU, memory, open files, file size, tasks of its user)", async () => {
    const { limits } = await runProbe({ uid: 65534, gid: 65534 }, network);
    expect(limits).toMatchObject({
      "Max cpu time": String(DEFAULT_STDIO_SETTINGS.cpuSeconds),
      "Max address space": String(DEFAULT_STDIO_SETTINGS.addressSpaceBytes),
      "Max open files": String(DEFAULT_STDIO_SETTINGS.openFiles),
      "Max file size": String(DEFAULT_STDIO_SETTINGS.fileSizeBytes),
      "Max processes": String(DEFAULT_STDIO_SETTINGS.userTasks),
    });
  });

  it.runIf(isRoot)(
    "as root, runs it as the unprivileged user chosen (nobody by default), or as root when told",
    async () => {
      expect(await runProbe({ uid: 65534, gid: 65534 }, network)).toMatchObject({ uid: 65534, gid: 65534 });
      expect(await runProbe({ uid: 4242, gid: 4343 }, network)).toMatchObject({
        uid: 4242,
        gid: 4343,
        homeWritable: true,
      });
      expect(await runProbe("gateway", network)).toMatchObject({ uid: 0 });
    },
  );
});
