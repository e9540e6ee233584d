import { BookMarked } from "lucide-react";
import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";

export const metadata: Metadata = { title: "Registries" };

export default function RegistriesPage() {
  return (
    <AreaPlaceholder
      title="Registries"
      icon={BookMarked}
      description="Registries decide who can reach what. Each one grants users, teams or everyone access to a set of servers, optionally narrowed to an allow-list of tools. Nothing is reachable until a registry grants it."
      comingTitle="Registries are being built"
      comingDescription="You will create registries here, choose their servers and tools, and pick who they are granted to. Every change is recorded in the audit log."
    />
  );
}
