"use client";

import { KeyRound, UsersRound } from "lucide-react";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { type PageTab, PageTabs } from "@/components/ui/page-tabs";
import { AllTokens } from "./all-tokens";
import { MyTokens } from "./my-tokens";

type View = "mine" | "all";

const TABS: PageTab<View>[] = [
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
      <PageTabs idPrefix="tokens" label="Whose tokens" tabs={TABS} selected={view} onSelect={show} />
      <div role="tabpanel" id={`tokens-panel-${view}`} aria-labelledby={`tokens-tab-${view}`}>
        {view === "all" ? <AllTokens /> : <MyTokens />}
      </div>
    </div>
  );
}
