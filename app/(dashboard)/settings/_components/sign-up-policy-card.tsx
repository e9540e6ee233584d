"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { toast } from "sonner";
import { cn } from "@/components/lib/utils";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";

type Policy = "invite-only" | "open" | "off";

const POLICIES: { value: Policy; label: string; detail: string }[] = [
  {
    value: "invite-only",
    label: "Invite-only",
    detail: "Only people with an invitation link can create an account; others are told to ask for one.",
  },
  {
    value: "open",
    label: "Open",
    detail: "Anyone who signs in through your identity provider gets an account as a Basic user.",
  },
  {
    value: "off",
    label: "Off",
    detail:
      "Nobody gets an account by signing in, not even through SSO; only invitation links (and the gatehouse CLI) add people.",
  },
];

const SAVED_TEXT: Record<Policy, string> = {
  "invite-only": "New accounts need an invitation.",
  open: "Anyone who signs in with your identity provider gets an account.",
  off: "Sign-up is closed; only invitations create accounts.",
};

/** Who may create an account: invited people (default), anyone from the identity provider, or nobody. */
export function SignUpPolicyCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const name = useId();
  const policy = useQuery(trpc.settings.getSignUpPolicy.queryOptions());
  const saved = policy.data?.policy;
  const [choice, setChoice] = useState<Policy | undefined>(saved);

  // Follow the server's value until the person picks something else.
  useEffect(() => {
    if (saved) setChoice((current) => current ?? saved);
  }, [saved]);

  const save = useMutation(
    trpc.settings.setSignUpPolicy.mutationOptions({
      onSuccess: (_result, variables) => {
        queryClient.setQueryData(trpc.settings.getSignUpPolicy.queryKey(), { policy: variables.policy });
        void queryClient.invalidateQueries({ queryKey: trpc.settings.getSignUpPolicy.queryKey() });
        toast.success("Sign-up policy saved", { description: SAVED_TEXT[variables.policy] });
      },
      onError: (error) => toast.error("Couldn't save the sign-up policy", { description: error.message }),
    }),
  );

  const isChanged = choice !== undefined && choice !== saved;

  return (
    <Card data-testid="sign-up-policy">
      <CardHeader className="pb-4">
        <CardTitle as="h2">Sign-up policy</CardTitle>
        <CardDescription>
          Who may create a Gatehouse account by signing in for the first time.
        </CardDescription>
      </CardHeader>
      {policy.isPending ? (
        <div className="space-y-3 border-t px-5 py-5">
          {["a", "b", "c"].map((key) => (
            <Skeleton key={key} className="h-14 w-full" />
          ))}
        </div>
      ) : policy.isError && !policy.data ? (
        <div className="border-t px-5 py-5">
          <ErrorState
            title="Couldn't load the sign-up policy"
            message={policy.error.message}
            onRetry={() => void policy.refetch()}
            isRetrying={policy.isFetching}
          />
        </div>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (choice && isChanged) save.mutate({ policy: choice });
          }}
        >
          <fieldset className="space-y-2 border-t px-5 py-5">
            <legend className="sr-only">Sign-up policy</legend>
            {POLICIES.map((option) => {
              const id = `${name}-${option.value}`;
              const isChecked = choice === option.value;
              return (
                <label
                  key={option.value}
                  htmlFor={id}
                  className={cn(
                    "flex cursor-pointer items-start gap-3 rounded-lg border p-3.5 transition-colors hover:bg-accent/40 has-focus-visible:ring-[3px] has-focus-visible:ring-ring/50",
                    isChecked && "border-primary/50 bg-primary/5 hover:bg-primary/5",
                  )}
                >
                  <input
                    id={id}
                    type="radio"
                    name={name}
                    value={option.value}
                    checked={isChecked}
                    onChange={() => setChoice(option.value)}
                    disabled={save.isPending}
                    className="mt-0.5 size-4 shrink-0 accent-primary outline-none"
                    // Named by the title alone ("Open"); the sentence under it is the description.
                    aria-labelledby={`${id}-label`}
                    aria-describedby={`${id}-detail`}
                  />
                  <span className="space-y-0.5">
                    <span className="flex items-center gap-2 text-sm font-medium">
                      <span id={`${id}-label`}>{option.label}</span>
                      {option.value === "invite-only" && (
                        <span className="text-xs font-normal text-muted-foreground">(default)</span>
                      )}
                      {option.value === saved && (
                        <span className="text-xs font-normal text-muted-foreground">· current</span>
                      )}
                    </span>
                    <span id={`${id}-detail`} className="block text-sm text-muted-foreground">
                      {option.detail}
                    </span>
                  </span>
                </label>
              );
            })}
          </fieldset>
          <CardFooter className="justify-between gap-3">
            <span aria-live="polite">{isChanged ? "Not saved yet." : "Saved."}</span>
            <div className="flex gap-2">
              {isChanged && (
                <Button variant="ghost" size="sm" onClick={() => setChoice(saved)} disabled={save.isPending}>
                  Undo
                </Button>
              )}
              <Button type="submit" size="sm" disabled={!isChanged || save.isPending}>
                {save.isPending ? "Saving…" : "Save"}
              </Button>
            </div>
          </CardFooter>
        </form>
      )}
    </Card>
  );
}
