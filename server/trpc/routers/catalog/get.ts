import { z } from "zod";
import { getCatalogServer } from "../../../services/catalog/get-catalog-server";
import { permissionProcedure } from "../../init";

// The slug is not pattern-checked here: the service canonicalizes it, and anything that is not a
// visible server's slug (traversal, look-alikes) answers NOT_FOUND rather than a revealing 400.
export const get = permissionProcedure("catalog.read")
  .input(z.object({ slug: z.string().max(300) }).strict())
  .query(({ ctx, input }) =>
    getCatalogServer({ db: ctx.db(), userId: ctx.session.user.id, slug: input.slug }),
  );
