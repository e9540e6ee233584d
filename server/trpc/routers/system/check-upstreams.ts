import { enqueueAllServerChecks } from "../../../queue/queues";
import { permissionProcedure } from "../../init";

/** "Check now" on the home page: queue a health check of every approved remote upstream. */
export const checkUpstreams = permissionProcedure("system.operate").mutation(async () => {
  await enqueueAllServerChecks();
  return { queued: true };
});
