import { createTrpcRouter } from "../../init";
import { connectForm } from "./connect-form";
import { create } from "./create";
import { deleteProcedure } from "./delete";
import { get } from "./get";
import { list } from "./list";
import { moveToLatest } from "./move-to-latest";
import { update } from "./update";

export const connectionsRouter = createTrpcRouter({
  connectForm,
  create,
  update,
  delete: deleteProcedure,
  moveToLatest,
  list,
  get,
});
