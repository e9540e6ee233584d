import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";
import { Prisma } from "../../db/generated/client";
import { AppError } from "../../errors";
import { runAuditedChange } from "../users/audited-change";
import { TEAM_ROW_SELECT, type TeamRow, toTeamRow } from "./team-row";

const SLUG_MAX_LENGTH = 60;

/** "Platform & Infra (EU)" → "platform-infra-eu"; accents are dropped, anything else becomes '-'. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/^-+|-+$/g, "");
  return slug || "team";
}

/** The slug itself if free, else the first free of slug-2, slug-3, … */
async function freeSlug(tx: Tx, base: string): Promise<string> {
  const taken = new Set(
    (await tx.team.findMany({ where: { slug: { startsWith: base } }, select: { slug: true } })).map(
      (team) => team.slug,
    ),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function isUniqueViolation(error: unknown, field: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  return JSON.stringify(error.meta ?? {}).includes(field);
}

export async function createTeam(options: {
  db: Db;
  name: string;
  description?: string | null;
  idpGroup?: string | null;
  context: AuditContext;
}): Promise<TeamRow> {
  const name = options.name.trim();
  const description = options.description?.trim() || null;
  const idpGroup = options.idpGroup?.trim() || null;
  const base = slugify(name);

  // Two teams created with the same name at once race for the slug; the loser retries once more.
  for (let attempt = 0; ; attempt++) {
    try {
      return await runAuditedChange({
        db: options.db,
        context: options.context,
        change: async (tx) => {
          if (idpGroup) {
            const mapped = await tx.team.findUnique({
              where: { externalId: idpGroup },
              select: { name: true },
            });
            if (mapped) {
              throw new AppError(
                "CONFLICT",
                `The identity provider group "${idpGroup}" is already synced to the team "${mapped.name}".`,
              );
            }
          }
          const team = await tx.team.create({
            data: {
              name,
              description,
              slug: await freeSlug(tx, base),
              source: idpGroup ? "IDP" : "LOCAL",
              externalId: idpGroup,
            },
            select: TEAM_ROW_SELECT,
          });
          await recordAudit(tx, options.context, {
            action: "team.create",
            targetType: "team",
            targetId: team.id,
            metadata: {
              after: {
                name: team.name,
                slug: team.slug,
                description: team.description,
                source: team.source,
                externalId: team.externalId,
              },
            },
          });
          return toTeamRow(team);
        },
      });
    } catch (error) {
      if (isUniqueViolation(error, "externalId")) {
        throw new AppError(
          "CONFLICT",
          `The identity provider group "${idpGroup}" is already synced to a team.`,
        );
      }
      if (attempt < 3 && isUniqueViolation(error, "slug")) continue;
      throw error;
    }
  }
}
