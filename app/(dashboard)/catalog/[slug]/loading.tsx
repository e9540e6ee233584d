import { ServerDetailSkeleton } from "../_components/server-detail";

export default function CatalogServerLoading() {
  return <ServerDetailSkeleton />;
}
