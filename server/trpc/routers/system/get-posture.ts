import { env } from "../../../env";
import { securityPosture } from "../../../ops/posture";
import { publicProcedure } from "../../init";

export const getPosture = publicProcedure.query(() => securityPosture(env()));
