import { createCallerFactory, createTrpcRouter } from "./init";
import { accessRouter } from "./routers/access";
import { auditRouter } from "./routers/audit";
import { catalogRouter } from "./routers/catalog";
import { connectionsRouter } from "./routers/connections";
import { invitationsRouter } from "./routers/invitations";
import { notificationsRouter } from "./routers/notifications";
import { profileRouter } from "./routers/profile";
import { registriesRouter } from "./routers/registries";
import { serversRouter } from "./routers/servers";
import { settingsRouter } from "./routers/settings";
import { systemRouter } from "./routers/system";
import { teamsRouter } from "./routers/teams";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";

export const appRouter = createTrpcRouter({
  system: systemRouter,
  users: usersRouter,
  invitations: invitationsRouter,
  teams: teamsRouter,
  profile: profileRouter,
  settings: settingsRouter,
  registries: registriesRouter,
  access: accessRouter,
  connections: connectionsRouter,
  catalog: catalogRouter,
  servers: serversRouter,
  notifications: notificationsRouter,
  tokens: tokensRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
