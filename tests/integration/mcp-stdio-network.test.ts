import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, createUser } from "@/prisma/seed/factories";
import { db } from "@/server/db";
import type { EgressRefusal } from "@/server/mcp/stdio/egress-proxy";
import {
  EGRESS_PORT,
  gatewaySecretPaths,
  type SandboxNetwork,
  type StdioNetworkMode,
} from "@/server/mcp/stdio/sandbox";
import { sandboxNetworkFor } from "@/server/mcp/stdio/sandbox-network";
import type { OutboundPolicy } from "@/server/security/outbound-url";
import { waitUntil } from "./helpers/polling";
import { runSandboxProbe } from "./helpers/sandbox-probe";

/**
 * A stdio server's network (GATEHOUSE_STDIO_NETWORK, sandbox.ts, egress-proxy.ts): in "guarded"
 * mode it has a network namespace of its own, so the gateway host's local services (PostgreSQL and
 * Redis here, on 127.0.0.1 and a Unix socket) and the internet are out of reach directly; the only
 * way out is the egress proxy in HTTP(S)_PROXY, which applies the SSRF guard with the version's
 * outbound policy and reports refusals for the audit. The probe is a plain node script run as
 * nobody, trying each way out and printing what happened.
 */

const PROBE = `
const net = require("node:net");
const http = require("node:http");
const fs = require("node:fs");
const targets = JSON.parse(process.env.PROBE_TARGETS);
const direct = (host, port) => new Promise((resolve) => {
  const socket = net.connect({ host, port });
  socket.setTimeout(3000);
  socket.on("connect", () => { socket.destroy(); resolve("connected"); });
  socket.on("error", (error) => resolve(error.code));
  socket.on("timeout", () => { socket.destroy(); resolve("timeout"); });
});
const proxy = process.env.HTTPS_PROXY ? new URL(process.env.HTTPS_PROXY) : null;
const tunnel = (target) => new Promise((resolve) => {
  if (!proxy) return resolve({ status: "no proxy" });
  const request = http.request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: target });
  request.on("connect", (response, socket, head) => {
    if (response.statusCode !== 200) {
      let text = head.toString();
      socket.on("data", (chunk) => { text += chunk; });
      socket.on("end", () => resolve({ status: response.statusCode, text }));
      return;
    }
    socket.write("GET /tunnelled HTTP/1.1\\r\\nhost: x\\r\\nconnection: close\\r\\n\\r\\n");
    let text = head.toString();
    socket.on("data", (chunk) => { text += chunk; });
    socket.on("end", () => resolve({ status: 200, text: text.split("\\r\\n\\r\\n")[1] }));
  });
  request.on("error", (error) => resolve({ status: error.code }));
  request.end();
});
const forward = (url) => new Promise((resolve) => {
  if (!proxy) return resolve({ status: "no proxy" });
  http.get({ host: proxy.hostname, port: proxy.port, path: url }, (response) => {
    let text = "";
    response.on("data", (chunk) => { text += chunk; });
    response.on("end", () => resolve({ status: response.statusCode, text }));
  }).on("error", (error) => resolve({ status: error.code }));
});
(async () => {
  const seen = {
    uid: process.getuid(),
    proxyEnv: process.env.HTTPS_PROXY ?? null,
    directAllowed: await direct("127.0.0.1", targets.allowedPort),
    directRedis: await direct("127.0.0.1", 6379),
    directPublic: await direct("192.0.2.10", 443),
    pgSocket: (() => { try { fs.statSync("/run/postgresql"); return "visible"; } catch (error) { return error.code; } })(),
    tmp: fs.readdirSync("/tmp"),
    shm: fs.readdirSync("/dev/shm"),
    tmpWritable: (() => { try { fs.writeFileSync("/tmp/x", "1"); return true; } catch { return false; } })(),
    ipcNamespace: fs.readlinkSync("/proc/self/ns/ipc"),
    terminals: fs.readdirSync("/dev/pts"),
    egressDir: (() => { try { fs.readdirSync("/run/gatehouse/egress"); return "listed"; } catch (error) { return error.code; } })(),
    home: process.env.HOME,
    homeWritable: (() => { try { fs.writeFileSync(process.env.HOME + "/x", "1"); return true; } catch { return false; } })(),
    tunnelAllowed: await tunnel("127.0.0.1:" + targets.allowedPort),
    tunnelRedis: await tunnel("127.0.0.1:6379"),
    tunnelMetadata: await tunnel("169.254.169.254:80"),
    forwardAllowed: await forward("http://127.0.0.1:" + targets.allowedPort + "/forwarded"),
    forwardInternal: await forward("http://localhost:6379/"),
    bridgeWithoutProxy: await direct("127.0.0.1", ${EGRESS_PORT}),
  };
  console.log(JSON.stringify(seen));
})();
`;

type Reply = { status: number | string; text?: string };
type Seen = {
  uid: number;
  proxyEnv: string | null;
  directAllowed: string;
  directRedis: string;
  directPublic: string;
  pgSocket: string;
  tmp: string[];
  shm: string[];
  tmpWritable: boolean;
  egressDir: string;
  ipcNamespace: string;
  terminals: string[];
  home: string;
  homeWritable: boolean;
  tunnelAllowed: Reply;
  tunnelRedis: Reply;
  tunnelMetadata: Reply;
  forwardAllowed: Reply;
  forwardInternal: Reply;
  bridgeWithoutProxy: string;
};

let allowed: Server;
let allowedPort: number;
/** On the host's /tmp and /dev/shm while the probes run: not to be seen from inside. */
const MARKER = path.join(tmpdir(), `gatehouse-network-test-${process.pid}`);
const SHM_MARKER = `/dev/shm/gatehouse-network-test-${process.pid}`;

beforeAll(async () => {
  writeFileSync(MARKER, "host");
  writeFileSync(SHM_MARKER, "host");
  allowed = createHttpServer((req, res) => res.end(`hello from ${req.url}`));
  await new Promise<void>((resolve) => allowed.listen(0, "127.0.0.1", resolve));
  allowedPort = (allowed.address() as AddressInfo).port;
});

afterAll(async () => {
  rmSync(MARKER, { force: true });
  rmSync(SHM_MARKER, { force: true });
  await new Promise((resolve) => allowed.close(resolve));
});

async function probe(mode: StdioNetworkMode, network: Partial<SandboxNetwork> = {}): Promise<Seen> {
  const policy: OutboundPolicy = { allowedHosts: [`127.0.0.1:${allowedPort}`] };
  const probed = await runSandboxProbe<Seen>(PROBE, {
    runAs: { uid: 65534, gid: 65534 },
    fields: { PROBE_TARGETS: JSON.stringify({ allowedPort }) },
    network: { mode, policy: async () => policy, ...network },
  });
  expect(probed.network).toBe(mode);
  return probed.seen;
}

describe("a stdio server's network", () => {
  it("guarded (the default): nothing is reachable directly, the egress proxy lets out only what the policy allows", async () => {
    const refusals: EgressRefusal[] = [];
    const seen = await probe("guarded", { onRefused: (refusal) => refusals.push(refusal) });

    expect(seen.proxyEnv).toBe(`http://127.0.0.1:${EGRESS_PORT}`);
    // The host's loopback services and the world: not from inside the namespace.
    expect(seen.directAllowed).toBe("ECONNREFUSED");
    expect(seen.directRedis).toBe("ECONNREFUSED");
    expect(seen.directPublic).toBe("ENETUNREACH");
    // PostgreSQL's Unix socket directory is hidden (a socket path reaches across network namespaces).
    expect(seen.pgSocket).toBe("ENOENT");
    // Its own /tmp and /dev/shm: nothing of the host's (other stdio processes' HOMEs, the egress
    // sockets), only the directory its HOME keeps its path in; the proxy's socket is not its to open.
    expect(existsSync(MARKER)).toBe(true);
    // (and, where this checkout is in /tmp, the top of its path: the project is shown read-only)
    const project = process.cwd().startsWith(`${tmpdir()}/`) ? [process.cwd().split("/")[2]] : [];
    expect(seen.tmp.sort()).toEqual([seen.home.split("/")[2], ...project].sort());
    expect(seen.shm).toEqual([]);
    expect(seen.tmpWritable).toBe(true);
    expect(seen.homeWritable).toBe(true);
    // Its own System V IPC and POSIX message queues, and a /dev/pts without the host's terminals.
    expect(seen.ipcNamespace).not.toBe(readlinkSync("/proc/self/ns/ipc"));
    expect(seen.terminals).toEqual(["ptmx"]);
    if (process.getuid?.() === 0) expect(seen.egressDir).toBe("EACCES");

    // Through the proxy: the allowed host, tunnelled and forwarded.
    expect(seen.tunnelAllowed).toEqual({ status: 200, text: "hello from /tunnelled" });
    expect(seen.forwardAllowed).toEqual({ status: 200, text: "hello from /forwarded" });
    // Anything else internal is refused with the guard's reason.
    expect(seen.tunnelRedis.status).toBe(403);
    expect(seen.tunnelRedis.text).toContain("a loopback address");
    expect(seen.tunnelMetadata.status).toBe(403);
    expect(seen.tunnelMetadata.text).toContain("link-local");
    expect(seen.forwardInternal.status).toBe(403);
    expect(seen.forwardInternal.text).toContain("localhost resolves to a loopback address");

    expect(refusals.map((refusal) => refusal.target).sort()).toEqual(
      ["127.0.0.1:6379", "169.254.169.254:80", "localhost:6379"].sort(),
    );
    for (const refusal of refusals) expect(refusal.reason).not.toBe("");
  });

  it("none: a namespace without the proxy, nothing gets out", async () => {
    const seen = await probe("none");
    expect(seen.proxyEnv).toBeNull();
    expect(seen.directAllowed).toBe("ECONNREFUSED");
    expect(seen.directPublic).toBe("ENETUNREACH");
    expect(seen.bridgeWithoutProxy).toBe("ECONNREFUSED");
    expect(seen.pgSocket).toBe("ENOENT");
  });

  it("host: the host's network, as before, when an operator chooses it", async () => {
    const seen = await probe("host");
    expect(seen.proxyEnv).toBeNull();
    expect(seen.directAllowed).toBe("connected");
  });

  it("runs the server as the unprivileged user in its namespace too", async () => {
    const seen = await probe("guarded");
    if (process.getuid?.() === 0) expect(seen.uid).toBe(65534);
    else expect(seen.uid).toBe(process.getuid?.());
  });

  it("audits a refused connection as mcp.stdio.egress.denied, once a minute per target", async () => {
    const owner = await createUser(db());
    const server = await createServer(db(), { ownerId: owner.id, transport: "STDIO" });
    const failures: unknown[] = [];
    const network = sandboxNetworkFor({
      db,
      version: { reviewedAt: new Date() },
      subject: { serverId: server.id, targetType: "server_version", targetId: server.versionId },
      onAuditFailure: (error) => failures.push(error),
    });
    // The installation's own policy (other test files allow hosts of their own in it; none of these).
    await probe("guarded", { policy: network.policy, onRefused: network.onRefused });
    await probe("guarded", { policy: network.policy, onRefused: network.onRefused });
    const expected = ["127.0.0.1:6379", "169.254.169.254:80", "localhost:6379"];
    const targetsOf = async () =>
      (
        await db().auditEvent.findMany({
          where: { action: "mcp.stdio.egress.denied", targetId: server.versionId },
        })
      ).map((row) => ({ ...row, target: (row.metadata as { target: string }).target }));
    const rowsOf = async () => (await targetsOf()).filter((row) => expected.includes(row.target));
    await waitUntil(async () => (await rowsOf()).length >= expected.length);
    // One row per target, though two processes met each refusal.
    const rows = await rowsOf();
    expect(rows.map((row) => row.target).sort()).toEqual(expected);
    for (const row of rows)
      expect(row).toMatchObject({ outcome: "DENIED", serverId: server.id, targetType: "server_version" });
    expect(failures).toEqual([]);
  });
});

describe("the sandbox's init", () => {
  it("does not open Node's inspector when the server signals it (SIGUSR1), even as root", async () => {
    const script = `
      const net = require("node:net");
      let signalled;
      try { process.kill(1, "SIGUSR1"); signalled = "sent"; } catch (error) { signalled = error.code; }
      setTimeout(() => {
        const socket = net.connect({ host: "127.0.0.1", port: 9229 });
        socket.on("connect", () => { socket.destroy(); console.log(JSON.stringify({ signalled, inspector: "open" })); });
        socket.on("error", (error) => console.log(JSON.stringify({ signalled, inspector: error.code })));
      }, 1000);
    `;
    const { seen } = await runSandboxProbe<{ signalled: string; inspector: string }>(script, {
      runAs: "gateway",
      network: { mode: "guarded", policy: async () => ({ allowedHosts: [] }) },
    });
    if (process.getuid?.() === 0) expect(seen.signalled).toBe("sent");
    expect(seen.inspector).toBe("ECONNREFUSED");
  });
});

describe("the gateway's files", () => {
  /**
   * A project directory as `npm start` leaves it (.env files beside the example, and `.data`), and
   * a home with credentials beside a directory that is not hidden. The project sits inside this
   * checkout (node_modules/.cache), which the sandbox shows read-only wherever it is (a CI clone may
   * be in /tmp, which the sandbox replaces whole); the homes in the runner's.
   */
  function layout(): { dir: string; dataDir: string; home: string; visible: string; remove: () => void } {
    const cache = path.join(process.cwd(), "node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(path.join(cache, "gatehouse-project-"));
    const dataDir = path.join(dir, ".data");
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(path.join(dataDir, "secrets.json"), '{"AUTH_SECRET":"data-secret"}');
    writeFileSync(path.join(dir, ".env"), "AUTH_SECRET=env-secret\n");
    writeFileSync(path.join(dir, ".env.production.local"), "GATEHOUSE_ENCRYPTION_KEY=env-key\n");
    writeFileSync(path.join(dir, ".env.example"), "# PORT=3000\n");
    writeFileSync(path.join(dir, "package.json"), "{}");
    mkdirSync(path.join(dir, ".env.d"));
    mkdirSync(path.join(dir, ".git"));
    writeFileSync(path.join(dir, ".git", "config"), "url = https://ci:token@git.example.com/gatehouse\n");
    const home = mkdtempSync(path.join(homedir(), ".gatehouse-home-"));
    mkdirSync(path.join(home, ".ssh"));
    writeFileSync(path.join(home, ".ssh", "id_ed25519"), "private key");
    const visible = mkdtempSync(path.join(homedir(), ".gatehouse-visible-"));
    writeFileSync(path.join(visible, "file"), "seen");
    // An .env kept elsewhere and linked into the project, and the data directory named by a link.
    writeFileSync(path.join(visible, "linked.env"), "GATEHOUSE_ENCRYPTION_KEY=linked-key\n");
    symlinkSync(path.join(visible, "linked.env"), path.join(dir, ".env.local"));
    symlinkSync(dataDir, path.join(dir, "data-link"));
    const remove = () => {
      for (const made of [dir, home, visible]) rmSync(made, { recursive: true, force: true });
    };
    return { dir, dataDir, home, visible, remove };
  }

  it("hidden are its user's home, its data directory and the project's .env files, not the example", () => {
    const { dir, dataDir, home, visible, remove } = layout();
    try {
      const paths = gatewaySecretPaths(dataDir, dir, home);
      const real = (name: string) => realpathSync(name);
      expect(paths.dirs).toEqual([real(home), real(dataDir), real(path.join(dir, ".git"))]);
      expect(paths.files.sort()).toEqual(
        [
          real(path.join(dir, ".env")),
          real(path.join(dir, ".env.production.local")),
          real(path.join(visible, "linked.env")),
        ].sort(),
      );
      // Links are followed: the data directory named by one is the same directory.
      expect(gatewaySecretPaths(path.join(dir, "data-link"), dir, home).dirs).toEqual([
        real(home),
        real(dataDir),
        real(path.join(dir, ".git")),
      ]);
      const missing = path.join(dir, "missing");
      expect(gatewaySecretPaths(missing, missing, missing)).toEqual({ dirs: [], files: [] });
    } finally {
      remove();
    }
  });

  it("a server that runs as the gateway's own user finds them empty, the project read-only, the host untouched", async () => {
    const { dir, dataDir, home, visible, remove } = layout();
    const script = `
      const fs = require("node:fs");
      const read = (file) => { try { return fs.readFileSync(file, "utf8"); } catch (error) { return error.code; } };
      const list = (dir) => { try { return fs.readdirSync(dir); } catch (error) { return error.code; } };
      const write = (file) => { try { fs.writeFileSync(file, "x"); return "written"; } catch (error) { return error.code; } };
      console.log(JSON.stringify({
        data: list(${JSON.stringify(dataDir)}),
        secrets: read(${JSON.stringify(path.join(dataDir, "secrets.json"))}),
        env: read(${JSON.stringify(path.join(dir, ".env"))}),
        git: read(${JSON.stringify(path.join(dir, ".git", "config"))}),
        envLinked: read(${JSON.stringify(path.join(dir, ".env.local"))}),
        linkedTarget: read(${JSON.stringify(path.join(visible, "linked.env"))}),
        envLocal: read(${JSON.stringify(path.join(dir, ".env.production.local"))}),
        example: read(${JSON.stringify(path.join(dir, ".env.example"))}),
        project: read(${JSON.stringify(path.join(dir, "package.json"))}),
        home: list(${JSON.stringify(home)}),
        key: read(${JSON.stringify(path.join(home, ".ssh", "id_ed25519"))}),
        visible: read(${JSON.stringify(path.join(visible, "file"))}),
        writeData: write(${JSON.stringify(path.join(dataDir, "planted"))}),
        writeProject: write(${JSON.stringify(path.join(dir, "package.json"))}),
        writeHome: write(${JSON.stringify(path.join(home, "planted"))}),
      }));
    `;
    try {
      const { seen } = await runSandboxProbe<Record<string, unknown>>(script, {
        runAs: "gateway",
        network: { mode: "guarded", policy: async () => ({ allowedHosts: [] }) },
        hide: gatewaySecretPaths(dataDir, dir, home),
      });
      expect(seen).toEqual({
        data: [],
        secrets: "ENOENT",
        env: "",
        git: "ENOENT",
        envLinked: "",
        linkedTarget: "",
        envLocal: "",
        example: "# PORT=3000\n",
        project: "{}",
        home: [],
        key: "ENOENT",
        visible: "seen",
        writeData: "EROFS",
        writeProject: "EROFS",
        writeHome: "EROFS",
      });
      expect(readFileSync(path.join(dir, ".env"), "utf8")).toBe("AUTH_SECRET=env-secret\n");
      expect(readFileSync(path.join(dataDir, "secrets.json"), "utf8")).toContain("data-secret");
      expect(readFileSync(path.join(dir, "package.json"), "utf8")).toBe("{}");
      expect(existsSync(path.join(dataDir, "planted"))).toBe(false);
      expect(existsSync(path.join(home, "planted"))).toBe(false);
    } finally {
      remove();
    }
  });

  it("a command inside a hidden directory (node under nvm in the gateway's home) runs, shown read-only, and nothing else of it", async () => {
    const home = mkdtempSync(path.join(homedir(), ".gatehouse-home-"));
    try {
      mkdirSync(path.join(home, ".ssh"));
      writeFileSync(path.join(home, ".ssh", "id_ed25519"), "private key");
      const bin = path.join(home, "tools", "bin");
      mkdirSync(bin, { recursive: true });
      const command = path.join(bin, "probe");
      writeFileSync(command, `#!/bin/sh\nexec ${process.execPath} -e "$PROBE_SCRIPT"\n`, { mode: 0o755 });
      const script = `
        const fs = require("node:fs");
        const attempt = (action) => { try { return action(); } catch (error) { return error.code; } };
        console.log(JSON.stringify({
          home: attempt(() => fs.readdirSync(${JSON.stringify(home)})),
          bin: attempt(() => fs.readdirSync(${JSON.stringify(bin)})),
          key: attempt(() => fs.readFileSync(${JSON.stringify(path.join(home, ".ssh", "id_ed25519"))}, "utf8")),
          writeBin: attempt(() => { fs.writeFileSync(${JSON.stringify(path.join(bin, "planted"))}, "x"); return "written"; }),
          writeHome: attempt(() => { fs.writeFileSync(${JSON.stringify(path.join(home, "planted"))}, "x"); return "written"; }),
        }));
      `;
      const { seen } = await runSandboxProbe<Record<string, unknown>>(script, {
        runAs: "gateway",
        via: command,
        network: { mode: "guarded", policy: async () => ({ allowedHosts: [] }) },
        hide: { dirs: [realpathSync(home)], files: [] },
      });
      expect(seen).toEqual({
        home: ["tools"],
        bin: ["probe"],
        key: "ENOENT",
        writeBin: "EROFS",
        writeHome: "EROFS",
      });
      expect(existsSync(path.join(bin, "planted"))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
