import { Command } from "commander";
import { ConfigError } from "../env";
import { registerDoctorCommand } from "./doctor";
import { registerMigrateCommand } from "./migrate";
import { registerRegistryCommands } from "./registries";
import { registerSeedCommand } from "./seed";
import { registerServerCommands } from "./servers";
import { registerTokenCommands } from "./tokens";
import { registerUserCommands } from "./users";

/**
 * `gatehouse <command>`: operations from a terminal. Each command lives in its own file and calls
 * the same services the app uses. Later features add commands here (users, teams, tokens).
 */
const program = new Command()
  .name("gatehouse")
  .description("Operate a Gatehouse installation (reads the same configuration as the app)")
  .showHelpAfterError();

registerDoctorCommand(program);
registerMigrateCommand(program);
registerSeedCommand(program);
registerUserCommands(program);
registerServerCommands(program);
registerRegistryCommands(program);
registerTokenCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(`gatehouse: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
