import { enqueueAllServerChecks } from "../../../queue/queues";
import { publicProcedure } from "../../init";

/** "Check now" on the home page: queue a health check of every approved remote upstream. */
export const checkUpstreams = publicProcedure.mutation(async () => {
  await enqueueAllServerChecks();
  return { queued: true };
});
