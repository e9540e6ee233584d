import { createTrpcRouter } from "../../init";
import { create } from "./create";
import { list } from "./list";
import { revoke } from "./revoke";

export const invitationsRouter = createTrpcRouter({ list, create, revoke });
