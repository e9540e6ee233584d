import { z } from "zod";

/** Field rules shared by teams.create and teams.update. */
export const TEAM_NAME = z.string().trim().min(1, "Enter a team name.").max(100);
export const TEAM_DESCRIPTION = z.string().trim().max(500);
export const IDP_GROUP = z.string().trim().min(1).max(200);
