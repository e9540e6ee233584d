import { z } from "zod";
import { getConnectForm } from "../../../services/connections/get-connect-form";
import { permissionProcedure } from "../../init";
import { SERVER_SLUG } from "./fields";

export const connectForm = permissionProcedure("connection.manage_own")
  .input(z.object({ slug: SERVER_SLUG }).strict())
  .query(({ ctx, input }) => getConnectForm({ db: ctx.db(), userId: ctx.session.user.id, slug: input.slug }));
