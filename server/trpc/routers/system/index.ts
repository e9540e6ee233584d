import { createTrpcRouter } from "../../init";
import { checkUpstreams } from "./check-upstreams";
import { getOverview } from "./get-overview";
import { getPosture } from "./get-posture";
import { getStatus } from "./get-status";

export const systemRouter = createTrpcRouter({ getStatus, getOverview, getPosture, checkUpstreams });
