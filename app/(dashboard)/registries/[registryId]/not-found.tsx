import type { Metadata } from "next";
import { RegistryMissing } from "../_components/registry-missing";

export const metadata: Metadata = { title: "Registry not found" };

export default function RegistryNotFound() {
  return <RegistryMissing />;
}
