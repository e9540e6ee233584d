import { ServerManageSkeleton } from "@/components/servers/server-manage";

export default function ManageServerLoading() {
  return <ServerManageSkeleton />;
}
