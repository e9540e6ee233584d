import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/shell/logo";
import { NotFoundMessage } from "@/components/shell/not-found-message";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="flex h-14 items-center border-b px-4 sm:px-6">
        <Link
          href="/"
          aria-label="Gatehouse overview"
          className="rounded-md outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
        >
          <Logo />
        </Link>
      </header>
      <main className="flex flex-1 items-center justify-center px-6 py-16">
        <NotFoundMessage />
      </main>
    </div>
  );
}
