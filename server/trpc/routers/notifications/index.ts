import { createTrpcRouter } from "../../init";
import { list } from "./list";
import { markRead } from "./mark-read";

export const notificationsRouter = createTrpcRouter({ list, markRead });
