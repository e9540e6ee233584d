import type { Command } from "commander";
import { migrate, migrationStatus } from "../db/migrate";
import { env } from "../env";

export function registerMigrateCommand(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations (safe to run while other instances start)")
    .option("--status", "only show which migrations are applied and pending")
    .action(async (options: { status?: boolean }) => {
      const { DATABASE_URL } = env();
      if (options.status) {
        const status = await migrationStatus(DATABASE_URL);
        console.log(`applied: ${status.applied.length}\npending: ${status.pending.join(", ") || "none"}`);
        if (status.failed.length + status.modified.length > 0) {
          console.log(
            `failed: ${status.failed.join(", ") || "none"}\nmodified: ${status.modified.join(", ") || "none"}`,
          );
          process.exitCode = 1;
        }
        return;
      }
      const applied = await migrate(DATABASE_URL);
      console.log(
        applied.length > 0 ? `applied ${applied.length}: ${applied.join(", ")}` : "database is up to date",
      );
    });
}
