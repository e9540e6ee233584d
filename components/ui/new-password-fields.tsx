import { FieldError } from "@/components/ui/field-error";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

/** "Password" and "Confirm password" for choosing a new password, with the policy hint and errors. */
export function NewPasswordFields({
  minLength,
  errors,
}: {
  minLength: number;
  errors: { password?: string; confirm?: string };
}) {
  return (
    <>
      <div className="space-y-2">
        <Label htmlFor="password">Password</Label>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={minLength}
          aria-invalid={Boolean(errors.password) || undefined}
          aria-describedby={errors.password ? "password-error" : "password-hint"}
        />
        {errors.password ? (
          <FieldError id="password-error">{errors.password}</FieldError>
        ) : (
          <p id="password-hint" className="text-xs text-muted-foreground">
            At least {minLength} characters. A few unrelated words make a good one.
          </p>
        )}
      </div>
      <div className="space-y-2">
        <Label htmlFor="confirm">Confirm password</Label>
        <Input
          id="confirm"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          minLength={minLength}
          aria-invalid={Boolean(errors.confirm) || undefined}
          aria-describedby={errors.confirm ? "confirm-error" : undefined}
        />
        <FieldError id="confirm-error">{errors.confirm}</FieldError>
      </div>
    </>
  );
}
