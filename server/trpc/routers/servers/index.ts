import { createTrpcRouter } from "../../init";
import { commandTemplates } from "./command-templates";
import { create } from "./create";
import { createVersion } from "./create-version";
import { get } from "./get";
import { importProcedure } from "./import";
import { list } from "./list";
import { previewImport } from "./preview-import";
import { refreshDiscovery } from "./refresh-discovery";
import { retire } from "./retire";
import { review } from "./review";
import { reviewQueue } from "./review-queue";
import { submit } from "./submit";
import { update } from "./update";
import { updateVersion } from "./update-version";

/** Publishing catalog entries: create, version, submit, review, retire, import, discovery. */
export const serversRouter = createTrpcRouter({
  create,
  update,
  createVersion,
  updateVersion,
  submit,
  review,
  retire,
  get,
  list,
  reviewQueue,
  previewImport,
  import: importProcedure,
  refreshDiscovery,
  commandTemplates,
});
