import { createTrpcRouter } from "../../init";
import { addSubject } from "./add-subject";
import { create } from "./create";
import { deleteProcedure } from "./delete";
import { get } from "./get";
import { grantServer } from "./grant-server";
import { list } from "./list";
import { listGrantableServers } from "./list-grantable-servers";
import { removeSubject } from "./remove-subject";
import { revokeServer } from "./revoke-server";
import { searchSubjects } from "./search-subjects";
import { update } from "./update";
import { updateAllowedTools } from "./update-allowed-tools";

export const registriesRouter = createTrpcRouter({
  list,
  get,
  create,
  update,
  delete: deleteProcedure,
  addSubject,
  removeSubject,
  grantServer,
  updateAllowedTools,
  revokeServer,
  searchSubjects,
  listGrantableServers,
});
