"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { pluralize } from "@/components/lib/format";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { FormError } from "@/components/ui/field-error";
import type { RegistryDetail, RegistryServer } from "./registry-detail";
import {
  fromAllowedTools,
  isSelectionValid,
  ToolAllowList,
  type ToolSelection,
  toAllowedTools,
} from "./tool-allow-list";

/**
 * Changes which tools of a granted server the registry allows. Someone who may not grant the
 * server (an Admin added it to their registry) may only narrow the list.
 */
export function EditToolsDialog({
  registry,
  server,
  open: isOpen,
  onOpenChange,
  onChanged,
}: {
  registry: RegistryDetail;
  server: RegistryServer | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onChanged: (detail: RegistryDetail) => void;
}) {
  const trpc = useTRPC();
  // The page remounts this dialog (a new key) for each opening, so it starts from what is granted now.
  const [selection, setSelection] = useState<ToolSelection>(() =>
    server ? fromAllowedTools(server.allowedTools) : { mode: "all", tools: [] },
  );
  const update = useMutation(
    trpc.registries.updateAllowedTools.mutationOptions({
      onSuccess: (detail, variables) => {
        onChanged(detail);
        toast.success(`Tools of ${server?.name ?? "the server"} saved`, {
          description:
            variables.allowedTools.length === 0
              ? "Every tool is allowed."
              : `${pluralize(variables.allowedTools.length, "tool")} allowed.`,
        });
        onOpenChange(false);
      },
    }),
  );

  if (!server) return null;
  const isRestricted = server.allowedTools.length > 0;
  return (
    <Dialog open={isOpen} onOpenChange={(open) => !update.isPending && onOpenChange(open)}>
      <DialogContent data-testid="edit-tools-dialog" className="max-w-xl">
        <DialogHeader>
          <DialogTitle>Tools of {server.name}</DialogTitle>
          <DialogDescription>
            What subjects of {registry.name} may call. Other registries may grant them more.
          </DialogDescription>
        </DialogHeader>
        {!server.canWiden && (
          <p className="rounded-lg border bg-muted/40 p-3 text-xs text-muted-foreground">
            An administrator added this server to your registry: you can narrow its tools, but only they can
            widen them.
          </p>
        )}
        <ToolAllowList
          knownTools={server.knownTools}
          value={selection}
          onChange={setSelection}
          canSelectAll={server.canWiden || !isRestricted}
          selectable={server.canWiden || !isRestricted ? null : server.allowedTools}
        />
        {update.error && <FormError>{update.error.message}</FormError>}
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)} disabled={update.isPending}>
            Cancel
          </Button>
          <Button
            onClick={() =>
              update.mutate({
                registryId: registry.id,
                serverId: server.serverId,
                allowedTools: toAllowedTools(selection),
              })
            }
            disabled={update.isPending || !isSelectionValid(selection)}
          >
            {update.isPending ? "Saving…" : "Save tools"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
