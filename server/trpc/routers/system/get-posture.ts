import { env } from "../../../env";
import { securityPosture } from "../../../ops/posture";
import { permissionProcedure } from "../../init";

export const getPosture = permissionProcedure("system.read").query(() => securityPosture(env()));
