import type { Metadata } from "next";
import { ConnectUnavailable } from "./_components/connect-unavailable";

export const metadata: Metadata = { title: "Server not available" };

export default function ConnectNotFound() {
  return <ConnectUnavailable />;
}
