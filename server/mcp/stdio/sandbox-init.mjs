// The first process inside a stdio server's namespaces (sandbox.ts), when it has a network
// namespace of its own. Plain JavaScript run by the gateway's node binary, so it starts in tens of
// milliseconds and needs no loader. It is PID 1 of the PID namespace: when it exits, the kernel
// ends everything in the namespace.
//
// Its instructions arrive on fd 3 as one JSON document, never in argv (which every user of the host
// can read in /proc) nor in its own environment (the server's values are not node's options):
//   { command, args, env, home, base, shown: [], tmpDirs: [], shm, hide: { dirs: [], files: [] },
//     setpriv, ip, mount, runAs?: { uid, gid }, egress?: { socket, port } }
// `base` is the process's own directory on the host (home/, tmp/, egress/ inside it).
//
// 1. brings the namespace's loopback up (a new network namespace has it down);
// 2. gives the server a private view of the shared places: an empty tmpfs over /run (where
//    PostgreSQL, MySQL and Redis keep their Unix sockets: a socket path reaches across network
//    namespaces), its own directory bound at /run/gatehouse, the host's temporary directories
//    (where every other stdio process's HOME and the egress sockets live) replaced by its own tmp/,
//    the gateway's secrets on disk covered (its user's home and its data directory under empty
//    read-only tmpfs, its .env files under /dev/null: a server that runs as the gateway's own user
//    could read them otherwise), the directories in `shown` read-only (the gateway's project, a node
//    installation in its home: shown again where they sit inside what was covered, such as a CI
//    checkout in /tmp), an empty /dev/shm, a /dev/pts of its own, and its HOME bound back at the
//    same path;
// 3. when egress is guarded, listens on 127.0.0.1:<port> inside the namespace and bridges each
//    connection to the gateway's egress proxy on its Unix socket (egress-proxy.ts), in a directory
//    of the gateway's user (a server running as that user could open it itself, which gains it
//    nothing: the proxy judges every connection);
// 4. starts the server through util-linux `setpriv`: as the unprivileged user when the gateway is
//    root (no supplementary groups), with no capabilities left (an empty bounding set: as root of a
//    user namespace, when the gateway is not root, it could otherwise unmount what hides /run or
//    reconfigure the namespace) and no_new_privs (no set-user-ID program gives any back); its stdio
//    are the gateway's pipes; it exits with the server's status and passes on signals.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { connect, createServer } from "node:net";
import { constants } from "node:os";

// Node opens its inspector on SIGUSR1, in this namespace's loopback: a server allowed to signal
// this process (the same user when the gateway is not root) would run code in it.
process.on("SIGUSR1", () => {});

function fail(message) {
  process.stderr.write(`gatehouse sandbox: ${message}\n`);
  process.exit(126);
}

let plan;
try {
  plan = JSON.parse(readFileSync(3, "utf8"));
  closeSync(3);
} catch (error) {
  fail(`no instructions on fd 3 (${error.message})`);
}

function run(file, args) {
  execFileSync(file, args, { stdio: ["ignore", "ignore", "pipe"] });
}

function tmpfs(dir, options) {
  run(plan.mount, ["-t", "tmpfs", "-o", `nosuid,nodev,${options}`, "tmpfs", dir]);
}

function bind(from, to) {
  run(plan.mount, ["--bind", from, to]);
}

const OWN = "/run/gatehouse";
/** Where the directories shown read-only wait while what holds them is covered. */
const STAGE = "/run/gatehouse-shown";

const isInside = (file, dir) => file === dir || dir === "/" || file.startsWith(`${dir}/`);
const inShown = (file) => plan.shown.some((dir) => isInside(file, dir));
/** A cover that holds a mount point made after it (a shown directory, HOME) stays writable until then. */
const holdsMountPoint = (dir) => [...plan.shown, plan.home].some((point) => isInside(point, dir));

function cover(dir, readOnly) {
  tmpfs(dir, `${readOnly ? "ro," : ""}noexec,size=4k,mode=0555`);
}

function remountReadOnly(dir, flags) {
  run(plan.mount, ["-o", `remount,bind,ro${flags}`, dir]);
}

try {
  run(plan.ip, ["link", "set", "lo", "up"]);
  tmpfs("/run", "noexec,size=64k,mode=0755");
  mkdirSync(OWN);
  bind(plan.base, OWN);
  // The directories shown read-only (the project, a node installation in a home), set aside first.
  const staged = plan.shown.map((dir, index) => {
    const stage = `${STAGE}/${index}`;
    mkdirSync(stage, { recursive: true });
    bind(dir, stage);
    remountReadOnly(stage, "");
    return { dir, stage };
  });
  // Then what may hold them is covered (a temporary directory, the gateway user's home).
  for (const dir of plan.tmpDirs) bind(`${OWN}/tmp`, dir);
  const holders = [];
  for (const dir of plan.hide.dirs) {
    // (one may be inside another covered before it: nothing left to cover)
    if (inShown(dir) || !existsSync(dir)) continue;
    cover(dir, !holdsMountPoint(dir));
    if (holdsMountPoint(dir)) holders.push(dir);
  }
  for (const { dir, stage } of staged) {
    mkdirSync(dir, { recursive: true });
    run(plan.mount, ["--move", stage, dir]);
  }
  for (const { stage } of staged) rmdirSync(stage);
  if (staged.length > 0) rmdirSync(STAGE);
  // Then the secrets inside what is shown, over its read-only view.
  for (const dir of plan.hide.dirs) if (inShown(dir) && existsSync(dir)) cover(dir, true);
  for (const file of plan.hide.files) if (existsSync(file)) bind("/dev/null", file);
  if (plan.shm) tmpfs(plan.shm, "noexec,size=16m,mode=1777");
  // A terminal of its own: the host's /dev/pts holds the terminals of whoever runs Gatehouse.
  run(plan.mount, [
    "-t",
    "devpts",
    "-o",
    "newinstance,nosuid,noexec,ptmxmode=0666,mode=0620",
    "devpts",
    "/dev/pts",
  ]);
  bind("/dev/pts/ptmx", "/dev/ptmx");
  // HOME keeps its path: under the hidden temporary directory now, so bound back there.
  mkdirSync(plan.home, { recursive: true });
  bind(`${OWN}/home`, plan.home);
  for (const dir of holders) remountReadOnly(dir, ",nosuid,nodev,noexec");
} catch (error) {
  fail(`could not set up the namespace: ${String(error.stderr ?? error.message).trim()}`);
}

function bridge() {
  if (!plan.egress) return Promise.resolve();
  const server = createServer({ allowHalfOpen: true }, (inside) => {
    const outside = connect({ path: plan.egress.socket, allowHalfOpen: true });
    // Each direction ends on its own (a client may half-close after its request); an error ends both.
    inside.pipe(outside).pipe(inside);
    const end = () => {
      inside.destroy();
      outside.destroy();
    };
    inside.on("error", end);
    outside.on("error", end);
    outside.on("close", () => inside.end());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: plan.egress.port }, resolve);
  });
}

bridge().then(
  () => {
    const user = plan.runAs
      ? [`--reuid=${plan.runAs.uid}`, `--regid=${plan.runAs.gid}`, "--clear-groups"]
      : [];
    const privileges = ["--bounding-set=-all", "--inh-caps=-all", "--no-new-privs"];
    const child = spawn(plan.setpriv, [...user, ...privileges, "--", plan.command, ...plan.args], {
      cwd: plan.home,
      env: plan.env,
      stdio: "inherit",
    });
    child.once("error", (error) => fail(`could not start ${plan.command}: ${error.message}`));
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"])
      process.on(signal, () => {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      });
    // PID 1 of a namespace cannot end itself with a signal: a server killed by one exits 128 + n.
    child.once("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
  },
  (error) => fail(`could not open the egress bridge: ${error.message}`),
);
