import type { Metadata } from "next";
import { TeamMissing } from "../_components/team-missing";

export const metadata: Metadata = { title: "Team not found" };

export default function TeamNotFound() {
  return <TeamMissing />;
}
