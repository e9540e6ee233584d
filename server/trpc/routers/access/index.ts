import { createTrpcRouter } from "../../init";
import { listServers } from "./list-servers";
import { searchUsers } from "./search-users";
import { whatCanUserReach } from "./what-can-user-reach";
import { whoCanReach } from "./who-can-reach";

export const accessRouter = createTrpcRouter({ whoCanReach, whatCanUserReach, listServers, searchUsers });
