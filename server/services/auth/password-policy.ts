/**
 * What a password chosen by a person must satisfy. Length over composition rules (NIST SP 800-63B):
 * at least 12 characters, not the email address, not one of the passwords every guessing list
 * starts with. Returns the problem as a sentence for the form, or null when the password is fine.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

// Passwords of 12+ characters that lead the public breach corpora; compared case-insensitively.
const COMMON_PASSWORDS = new Set([
  "password1234",
  "password12345",
  "password123456",
  "passwordpassword",
  "123456789012",
  "1234567890123",
  "12345678901234",
  "123456123456",
  "111111111111",
  "000000000000",
  "qwertyuiopas",
  "qwertyuiop12",
  "qwertyuiop123",
  "qwerty123456",
  "1q2w3e4r5t6y",
  "1qaz2wsx3edc",
  "abc123456789",
  "abcdefghijkl",
  "iloveyou1234",
  "letmein12345",
  "welcome12345",
  "changeme1234",
  "administrator",
  "gatehouse123",
  "gatehouse1234",
]);

export function checkPasswordPolicy(password: string, context: { email: string }): string | null {
  // Count characters, not UTF-16 units, so an emoji counts once.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const lowered = password.toLowerCase();
  const email = context.email.trim().toLowerCase();
  const localPart = email.split("@")[0] ?? "";
  if (lowered === email || lowered === localPart) return "Do not use your email address as your password.";
  if (COMMON_PASSWORDS.has(lowered))
    return "This password is too common; choose one that is harder to guess.";
  if (new Set(password).size === 1)
    return "Do not repeat a single character; choose a longer phrase instead.";
  return null;
}
