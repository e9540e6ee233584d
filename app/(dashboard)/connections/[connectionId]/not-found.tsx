import type { Metadata } from "next";
import { ConnectionMissing } from "../_components/connection-missing";

export const metadata: Metadata = { title: "Connection not found" };

export default function ConnectionNotFound() {
  return <ConnectionMissing />;
}
