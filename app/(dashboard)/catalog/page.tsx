import { LibraryBig } from "lucide-react";
import type { Metadata } from "next";
import { AreaPlaceholder } from "@/components/shell/area-placeholder";

export const metadata: Metadata = { title: "Catalog" };

export default function CatalogPage() {
  return (
    <AreaPlaceholder
      title="Catalog"
      icon={LibraryBig}
      description="Browse the MCP servers your registries grant you, see the tools each one offers, and connect them to your agents."
      comingTitle="The catalog is being built"
      comingDescription="Soon you will find every server you may use here, with its description, tools and transport, and connect it in one step."
    />
  );
}
