import { redis } from "../../../redis";
import { getSystemStatus } from "../../../services/system/get-system-status";
import { publicProcedure } from "../../init";

export const getStatus = publicProcedure.query(({ ctx }) =>
  getSystemStatus({ db: ctx.db(), redis: redis() }),
);
