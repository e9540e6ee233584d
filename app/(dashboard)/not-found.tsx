import type { Metadata } from "next";
import { NotFoundMessage } from "@/components/shell/not-found-message";

export const metadata: Metadata = { title: "Page not found" };

/** A page of the dashboard that does not exist or is not the user's to see: inside the app's shell. */
export default function DashboardNotFound() {
  return (
    <div className="flex items-center justify-center py-16">
      <NotFoundMessage />
    </div>
  );
}
