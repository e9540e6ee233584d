import type { Command } from "commander";
import { ConfigError, env } from "../env";
import { formatPosture, securityPosture } from "../ops/posture";
import { preflight } from "../ops/preflight";
import { readHeartbeat } from "../queue/heartbeat";
import { disconnectRedis, redis } from "../redis";

/** `gatehouse doctor`: everything that must be true for Gatehouse to run, each with what to do. */
export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("check configuration, secrets, PostgreSQL, Redis, migrations and the worker")
    .action(async () => {
      let failed = false;
      const line = (ok: boolean | "warn", name: string, detail: string) => {
        if (ok === false) failed = true;
        console.log(`${ok === true ? "✓" : ok === "warn" ? "!" : "✗"} ${name}: ${detail}`);
      };

      let config: ReturnType<typeof env>;
      try {
        config = env();
        line(true, "Configuration", `valid (data folder ${config.dataDir})`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        for (const problem of error.problems) line(false, "Configuration", problem);
        process.exitCode = 1;
        return;
      }

      console.log(`Security posture:\n${formatPosture(securityPosture(config))}`);
      for (const check of securityPosture(config)) if (check.status === "fail") failed = true;

      for (const check of await preflight(config)) line(check.ok, check.name, check.detail);

      try {
        const beat = await readHeartbeat(redis());
        if (beat)
          line(
            true,
            "Worker",
            `alive (pid ${beat.pid} on ${beat.hostname}, ${beat.processed} jobs since ${beat.startedAt})`,
          );
        else
          line(
            "warn",
            "Worker",
            "no heartbeat: start one with `npm run worker` (npm start runs one for you)",
          );
      } catch {
        // Redis being down is already reported above.
      } finally {
        await disconnectRedis();
      }
      process.exitCode = failed ? 1 : 0;
    });
}
