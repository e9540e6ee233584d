import { createTrpcRouter } from "../../init";
import { addMember } from "./add-member";
import { create } from "./create";
import { deleteProcedure } from "./delete";
import { get } from "./get";
import { list } from "./list";
import { removeMember } from "./remove-member";
import { update } from "./update";

export const teamsRouter = createTrpcRouter({
  list,
  get,
  create,
  update,
  addMember,
  removeMember,
  delete: deleteProcedure,
});
