import { getOverview as getOverviewService } from "../../../services/system/get-overview";
import { permissionProcedure } from "../../init";

export const getOverview = permissionProcedure("system.read").query(({ ctx }) =>
  getOverviewService({ db: ctx.db() }),
);
