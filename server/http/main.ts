import path from "node:path";
import { disconnectDb } from "../db";
import { ConfigError, env } from "../env";
import { logger } from "../logger";
import { stopAccessMirrors } from "../mcp/access-mirror";
import { closeAuditPool } from "../mcp/audit-writer";
import { stopChannelRunner } from "../mcp/runner/channel-runner";
import { fatalPostureProblems, formatPosture, securityPosture } from "../ops/posture";
import { preflight } from "../ops/preflight";
import { closeQueues } from "../queue/queues";
import { disconnectRedis } from "../redis";
import { startGatehouseServer } from "./server";

/** Entry point of the app process: `gatehouse serve` (production) and `npm run dev` (--dev). */
async function main(): Promise<void> {
  const isDev = process.argv.includes("--dev");
  // Serving without --dev is production unless NODE_ENV says otherwise: weak secrets are refused and
  // Next runs its production server, whether or not the operator remembered to set it.
  if (!isDev && process.env.NODE_ENV === undefined) Object.assign(process.env, { NODE_ENV: "production" });
  const config = env();
  const log = logger().child({ component: "http" });

  console.log(`Security posture:\n${formatPosture(securityPosture(config))}`);
  const fatal = fatalPostureProblems(config);
  if (fatal.length > 0) {
    console.error(
      `Refusing to start in production with weak settings:\n${fatal.map((line) => `  - ${line}`).join("\n")}`,
    );
    process.exit(1);
  }

  const problems = (await preflight(config)).filter((check) => !check.ok);
  if (problems.length > 0) {
    console.error(
      `Cannot start:\n${problems.map((check) => `  - ${check.name}: ${check.detail}`).join("\n")}`,
    );
    process.exit(1);
  }

  const { close, url } = await startGatehouseServer(config, {
    dev: isDev,
    dir: path.resolve(import.meta.dirname, "../.."),
  });
  log.info(
    { url, publicUrl: config.GATEHOUSE_PUBLIC_URL, dev: isDev, pid: process.pid },
    "Gatehouse is serving",
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping: finishing in-flight requests");
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await close();
    await stopChannelRunner();
    await stopAccessMirrors();
    await closeQueues();
    await disconnectRedis();
    await disconnectDb();
    await closeAuditPool();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else logger().fatal({ err: error }, "Gatehouse failed to start");
  process.exit(1);
});
