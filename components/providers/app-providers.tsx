import type { ReactNode } from "react";
import { Toaster } from "@/components/ui/toaster";
import { ThemeProvider } from "./theme-provider";
import { TrpcReactProvider } from "./trpc-provider";

/** Everything the whole app sits inside: theme, data (tRPC + React Query) and toasts. */
export function AppProviders({ nonce, children }: { nonce?: string; children: ReactNode }) {
  return (
    <ThemeProvider nonce={nonce}>
      <TrpcReactProvider>
        {children}
        <Toaster />
      </TrpcReactProvider>
    </ThemeProvider>
  );
}
