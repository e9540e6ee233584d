import { z } from "zod";
import { SUBJECT_SEARCH_MIN, searchSubjects as search } from "../../../services/registries/search-subjects";
import { permissionProcedure } from "../../init";

/** Active users and teams to grant a registry to, for owners who may not list users. */
export const searchSubjects = permissionProcedure("registry.manage_own")
  .input(
    z
      .object({
        query: z.string().trim().min(SUBJECT_SEARCH_MIN, "Type at least two characters.").max(100),
        kind: z.enum(["USER", "TEAM"]).optional(),
      })
      .strict(),
  )
  .query(({ ctx, input }) =>
    search({ db: ctx.db(), actor: ctx.session.user, query: input.query, kind: input.kind }),
  );
