import type { Command } from "commander";
import { seedDemo } from "@/prisma/seed/demo";
import { db, disconnectDb } from "../db";
import { env } from "../env";

export function registerSeedCommand(program: Command): void {
  program
    .command("seed")
    .description("add the demo (owner account, teams, catalog entries); does nothing if it was added before")
    .action(async () => {
      try {
        const result = await seedDemo({ db: db(), upstreamPort: env().GATEHOUSE_DEMO_UPSTREAM_PORT });
        if (result.created) {
          console.log(`Demo added. Owner: ${result.ownerEmail}  password: ${result.ownerPassword}`);
          console.log("The password is shown once; keep it somewhere safe.");
        } else {
          console.log("The demo was added before; nothing to do.");
        }
      } finally {
        await disconnectDb();
      }
    });
}
