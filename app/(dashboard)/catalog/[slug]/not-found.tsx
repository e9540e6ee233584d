import type { Metadata } from "next";
import { ServerMissing } from "../_components/server-missing";

export const metadata: Metadata = { title: "Server not found" };

export default function CatalogServerNotFound() {
  return <ServerMissing />;
}
