import type { Metadata } from "next";
import { ServerMissing } from "@/components/servers/server-missing";

export const metadata: Metadata = { title: "Server not found" };

export default function ServerNotFound() {
  return <ServerMissing />;
}
