"use client";

import { useState } from "react";
import { ConfirmDialog } from "./confirm-dialog";

/**
 * Keeps a dialog's unsaved form from being thrown away by one click: while `isDirty`, a click
 * outside does nothing, and Escape, Cancel and the X ask "Discard your changes?" first. Without
 * changes, closing is immediate. `onDiscard` closes the dialog for good.
 */
export function useDiscardGuard(options: {
  isDirty: boolean;
  onDiscard: () => void;
  /** a save in flight: closing waits for it (discarding would not stop it) */
  isPending?: boolean;
}) {
  const [isConfirming, setIsConfirming] = useState(false);
  const discard = () => {
    setIsConfirming(false);
    options.onDiscard();
  };
  return {
    /** for Cancel, the X (the Dialog's onOpenChange(false)) */
    requestClose: () => {
      if (options.isPending) return;
      if (options.isDirty) setIsConfirming(true);
      else discard();
    },
    /** spread on DialogContent */
    contentProps: {
      onInteractOutside: (event: { preventDefault: () => void }) => {
        if (options.isDirty || options.isPending) event.preventDefault();
      },
      onEscapeKeyDown: (event: { preventDefault: () => void }) => {
        if (!options.isDirty && !options.isPending) return;
        event.preventDefault();
        if (!options.isPending) setIsConfirming(true);
      },
    },
    /** spread on DiscardChangesDialog */
    dialogProps: { open: isConfirming, onOpenChange: setIsConfirming, onConfirm: discard },
  };
}

/** "Discard your changes?", with what stays as it was in `description`. */
export function DiscardChangesDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onConfirm: () => void;
  description: string;
}) {
  return (
    <ConfirmDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Discard your changes?"
      description={props.description}
      confirmLabel="Discard changes"
      isDestructive
      onConfirm={props.onConfirm}
    />
  );
}
