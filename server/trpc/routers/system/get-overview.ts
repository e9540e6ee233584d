import { getOverview as getOverviewService } from "../../../services/system/get-overview";
import { publicProcedure } from "../../init";

export const getOverview = publicProcedure.query(({ ctx }) => getOverviewService({ db: ctx.db() }));
