import { existsSync } from "node:fs";
import path from "node:path";
import type { DemoSeedResult } from "../../prisma/seed/demo";
import type { Env } from "../env";
import { say, seconds, style } from "./output";
import { ownerPasswordPath } from "./secrets";

/**
 * What `npm start` prints once everything is ready: where Gatehouse is, how to sign in (the
 * first owner password exactly once, afterwards where it is kept), where the data lives.
 */
export function printBanner(options: {
  config: Env;
  seeded: DemoSeedResult | undefined;
  logsDir: string;
  totalMs: number;
}): void {
  const { config, seeded } = options;
  const passwordFile = ownerPasswordPath(config.dataDir);
  say();
  say(style.bold(`  Gatehouse is running at ${style.green(config.GATEHOUSE_PUBLIC_URL)}`));
  say();
  if (seeded?.created) {
    say(`  Owner account  ${seeded.ownerEmail}`);
    say(`  Password       ${style.bold(seeded.ownerPassword)}`);
    say(`                 ${style.dim(`shown this once; also saved in ${passwordFile}`)}`);
  } else if (seeded) {
    say(`  Owner account  ${seeded.ownerEmail}`);
    say(
      existsSync(passwordFile)
        ? `  Password       in ${passwordFile}`
        : `  Password       shown on the first start (${path.basename(passwordFile)} was removed)`,
    );
  }
  say(`  Sign in        ${config.GATEHOUSE_PUBLIC_URL}/signin`);
  say(`  Data           ${config.dataDir} ${style.dim(`(logs in ${options.logsDir})`)}`);
  say(`  Started in     ${seconds(options.totalMs)}`);
  say();
  say("  Ctrl-C to stop.");
}
