import path from "node:path";
import { processEnvWith } from "../env";
import { ensureBuild } from "./build";
import { say, seconds } from "./output";
import { Supervisor } from "./supervisor";

/**
 * `tsx server/runtime/build-cli.ts`: the production build exactly as `npm start` makes it (skipped
 * when the sources have not changed since the last one), with the build's output shown as it
 * happens. `npm test` runs it before the integration and end-to-end tests.
 */
const root = path.resolve(import.meta.dirname, "../..");
const supervisor = new Supervisor();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void supervisor.stop(signal));

const started = performance.now();
try {
  const outcome = await ensureBuild(supervisor, {
    root,
    env: processEnvWith({ NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" }),
    onStart: (reason) => say(`Building the app (${reason})…`),
  });
  say(
    outcome.built
      ? `Built in ${seconds(performance.now() - started)}.`
      : "The build is up to date: no build input changed since the last one.",
  );
  process.exit(0);
} catch (error) {
  await supervisor.fail(error);
}
