"use client";

import { KeyRound, UsersRound } from "lucide-react";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { cn } from "@/components/lib/utils";
import { AllTokens } from "./all-tokens";
import { MyTokens } from "./my-tokens";

type View = "mine" | "all";

const TABS: { id: View; label: string; icon: typeof KeyRound }[] = [
  { id: "mine", label: "My tokens", icon: KeyRound },
  { id: "all", label: "All tokens", icon: UsersRound },
];

/** For people who may revoke anyone's token: their own tokens, and every active token. */
export function TokensTabs({ initialView }: { initialView: View }) {
  const router = useRouter();
  const pathname = usePathname();
  const [view, setView] = useState<View>(initialView);

  function show(next: View) {
    setView(next);
    router.replace(next === "all" ? `${pathname}?view=all` : pathname, { scroll: false });
  }

  return (
    <div className="space-y-6">
      <div
        role="tablist"
        aria-label="Whose tokens"
        className="inline-flex w-full gap-1 rounded-lg border bg-muted/40 p-1 sm:w-auto"
      >
        {TABS.map(({ id, label, icon: Icon }) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tokens-tab-${id}`}
            aria-selected={view === id}
            aria-controls={`tokens-panel-${id}`}
            onClick={() => show(id)}
            className={cn(
              "inline-flex flex-1 items-center justify-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground outline-none transition-colors hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50 sm:flex-none",
              view === id && "bg-background text-foreground shadow-xs dark:bg-input/40",
            )}
          >
            <Icon className="size-4" aria-hidden="true" />
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`tokens-panel-${view}`} aria-labelledby={`tokens-tab-${view}`}>
        {view === "all" ? <AllTokens /> : <MyTokens />}
      </div>
    </div>
  );
}
