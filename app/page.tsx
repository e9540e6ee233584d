import { api } from "@/server/trpc/rsc";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const caller = await api();
  const status = await caller.system.getStatus();
  return <pre>{JSON.stringify(status, null, 2)}</pre>;
}
