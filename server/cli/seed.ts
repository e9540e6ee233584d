import type { Command } from "commander";
import { seedDemo } from "@/prisma/seed/demo";
import { db } from "../db";
import { env } from "../env";
import { withConnections } from "./with-connections";

export function registerSeedCommand(program: Command): void {
  program
    .command("seed")
    .description("add the demo (owner account, teams, catalog entries); does nothing if it was added before")
    // The seed's allow-list change also bumps the access epoch in Redis, whose client must close too.
    .action(
      withConnections(async () => {
        const result = await seedDemo({ db: db(), upstreamPort: env().GATEHOUSE_DEMO_UPSTREAM_PORT });
        if (result.created) {
          console.log(`Demo added. Owner: ${result.ownerEmail}  password: ${result.ownerPassword}`);
          console.log("The password is shown once; keep it somewhere safe.");
        } else {
          console.log("The demo was added before; nothing to do.");
        }
      }),
    );
}
