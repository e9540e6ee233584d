import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The stdio sandbox when Gatehouse is not root (sandbox.ts): the namespaces belong to a user
 * namespace of the gateway's own (`unshare --map-root-user`), and the server runs as the gateway's
 * own user, so only the covers keep the gateway's secrets and code from it. The rest of the suite
 * runs as root in CI and so sees the other path; here a gateway of one process
 * (tests/fixtures/sandbox-gateway.ts, bundled so nothing of the checkout needs to be readable) runs
 * as `nobody`, with a home holding credentials and the node it runs (as under nvm), a data
 * directory and .env files in its project directory, and a probe reports what it sees.
 *
 * Needs root (to become nobody), `runuser` and unprivileged user namespaces; skipped otherwise (a
 * suite that is not root already runs every sandbox test on this path).
 */

const USER = { name: "nobody", uid: 65534, gid: 65534 };

function userNamespacesAllowed(): boolean {
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim() : null);
  return (
    read("/proc/sys/kernel/unprivileged_userns_clone") !== "0" &&
    read("/proc/sys/user/max_user_namespaces") !== "0"
  );
}

/** A world-readable place outside the temporary directories. */
const WORK_PARENT = ["/var/lib", "/srv", "/opt"].find((dir) => existsSync(dir)) ?? "";

const runnable =
  process.getuid?.() === 0 &&
  existsSync("/usr/sbin/runuser") &&
  WORK_PARENT !== "" &&
  userNamespacesAllowed();

type Layout = { work: string; home: string; node: string; project: string; dataDir: string };
let layout: Layout;

beforeAll(async () => {
  if (!runnable) return;
  // Not in /tmp, which the sandbox replaces whole: the covers are what is tested here.
  const work = mkdtempSync(path.join(WORK_PARENT, "gatehouse-nonroot-"));
  chmodSync(work, 0o755);
  const home = path.join(work, "home");
  const node = path.join(home, ".nvm", "versions", "node", "current", "bin", "node");
  mkdirSync(path.dirname(node), { recursive: true });
  copyFileSync(process.execPath, node);
  chmodSync(node, 0o755);
  mkdirSync(path.join(home, ".ssh"));
  writeFileSync(path.join(home, ".ssh", "id_ed25519"), "private key");
  const project = path.join(work, "project");
  const dataDir = path.join(project, ".data");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, "secrets.json"), '{"AUTH_SECRET":"data-secret"}');
  writeFileSync(path.join(project, ".env"), "AUTH_SECRET=env-secret\n");
  writeFileSync(path.join(project, "package.json"), "{}");
  const init = path.join(project, "server", "mcp", "stdio", "sandbox-init.mjs");
  mkdirSync(path.dirname(init), { recursive: true });
  copyFileSync(path.resolve("server/mcp/stdio/sandbox-init.mjs"), init);
  await build({
    entryPoints: [path.resolve("tests/fixtures/sandbox-gateway.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: path.join(project, "gateway.cjs"),
    logLevel: "error",
  });
  // The gateway's user owns its home, project and data, as an installation by that user would.
  execFileSync("chown", ["-R", `${USER.uid}:${USER.gid}`, home, project]);
  chownSync(work, 0, 0);
  layout = { work, home, node, project, dataDir };
});

afterAll(() => {
  if (layout) rmSync(layout.work, { recursive: true, force: true });
});

/** Runs the probe through the bundled gateway as nobody; the JSON of its last line. */
function probe(script: string): Record<string, unknown> {
  const output = execFileSync(
    "/usr/sbin/runuser",
    [
      "-u",
      USER.name,
      "--",
      "env",
      "-i",
      `HOME=${layout.home}`,
      "PATH=/usr/local/bin:/usr/bin:/bin",
      `PROBE_SCRIPT=${script}`,
      `GATEHOUSE_DATA_DIR=${layout.dataDir}`,
      "AUTH_SECRET=a-secret-long-enough-for-the-environment-check-0123456789",
      `GATEHOUSE_ENCRYPTION_KEY=${Buffer.alloc(32, 7).toString("base64")}`,
      "DATABASE_URL=postgresql://unused@127.0.0.1/unused",
      "REDIS_URL=redis://127.0.0.1:1",
      "LOG_LEVEL=error",
      layout.node,
      path.join(layout.project, "gateway.cjs"),
    ],
    { cwd: layout.project, encoding: "utf8", timeout: 30_000 },
  );
  const lines = output.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] ?? "null") as Record<string, unknown>;
}

describe.runIf(runnable)("the stdio sandbox of a gateway that is not root", () => {
  it("covers its user's home (but for the node it runs, read-only), its data and .env; the project is read-only", () => {
    const { home, node, project, dataDir } = layout;
    const read = (file: string) => `attempt(() => fs.readFileSync(${JSON.stringify(file)}, "utf8"))`;
    const list = (dir: string) => `attempt(() => fs.readdirSync(${JSON.stringify(dir)}))`;
    const script = `
      const fs = require("node:fs");
      const attempt = (action) => { try { return action(); } catch (error) { return error.code; } };
      const write = (file) => attempt(() => { fs.writeFileSync(file, "x"); return "written"; });
      console.log(JSON.stringify({
        uid: process.getuid(),
        node: process.execPath,
        home: ${list(home)},
        key: ${read(path.join(home, ".ssh", "id_ed25519"))},
        data: ${list(dataDir)},
        env: ${read(path.join(project, ".env"))},
        project: ${read(path.join(project, "package.json"))},
        tmp: ${list("/tmp")},
        terminals: ${list("/dev/pts")},
        writeHome: write(${JSON.stringify(path.join(home, "planted"))}),
        writeNode: write(${JSON.stringify(node)}),
        writeProject: write(${JSON.stringify(path.join(project, "package.json"))}),
      }));
    `;
    const seen = probe(script);
    expect(seen).toMatchObject({
      // root of its user namespace, which is nobody outside it
      uid: 0,
      node,
      home: [".nvm"],
      key: "ENOENT",
      data: [],
      env: "",
      project: "{}",
      terminals: ["ptmx"],
      writeHome: "EROFS",
      writeNode: "EROFS",
      writeProject: "EROFS",
    });
    // Its /tmp is its own: only the directory its HOME keeps its path in.
    expect((seen.tmp as string[]).every((name) => name.startsWith("gatehouse-stdio-"))).toBe(true);
    expect(existsSync(path.join(home, "planted"))).toBe(false);
    expect(readFileSync(path.join(project, ".env"), "utf8")).toBe("AUTH_SECRET=env-secret\n");
  });
});
