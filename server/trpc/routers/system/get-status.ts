import { redis } from "../../../redis";
import { getSystemStatus } from "../../../services/system/get-system-status";
import { permissionProcedure } from "../../init";

export const getStatus = permissionProcedure("system.read").query(({ ctx }) =>
  getSystemStatus({ db: ctx.db(), redis: redis() }),
);
