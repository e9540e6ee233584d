import { createTrpcRouter } from "../../init";
import { issue } from "./issue";
import { list } from "./list";
import { listAll } from "./list-all";
import { revoke } from "./revoke";
import { scopeOptions } from "./scope-options";

export const tokensRouter = createTrpcRouter({
  list,
  scopeOptions,
  issue,
  revoke,
  listAll,
});
