import { createCallerFactory, createTrpcRouter } from "./init";
import { invitationsRouter } from "./routers/invitations";
import { profileRouter } from "./routers/profile";
import { settingsRouter } from "./routers/settings";
import { systemRouter } from "./routers/system";
import { teamsRouter } from "./routers/teams";
import { usersRouter } from "./routers/users";

export const appRouter = createTrpcRouter({
  system: systemRouter,
  users: usersRouter,
  invitations: invitationsRouter,
  teams: teamsRouter,
  profile: profileRouter,
  settings: settingsRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
