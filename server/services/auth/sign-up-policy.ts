import { z } from "zod";
import { type AuditContext, recordAudit } from "../../audit/record";
import type { Db, Tx } from "../../db";

/** Who may create an account by signing in: anyone, only invited people (default), or nobody. */
export const SIGN_UP_POLICIES = ["open", "invite-only", "off"] as const;
export type SignUpPolicy = (typeof SIGN_UP_POLICIES)[number];

const SETTING_KEY = "auth.signUpPolicy";
const POLICY = z.enum(SIGN_UP_POLICIES);

export async function getSignUpPolicy(db: Db | Tx): Promise<SignUpPolicy> {
  const row = await db.setting.findUnique({ where: { key: SETTING_KEY } });
  const parsed = POLICY.safeParse(row?.value);
  return parsed.success ? parsed.data : "invite-only";
}

export async function setSignUpPolicy(options: {
  db: Db;
  policy: SignUpPolicy;
  context: AuditContext;
}): Promise<void> {
  const policy = POLICY.parse(options.policy);
  await options.db.$transaction(async (tx) => {
    const before = await getSignUpPolicy(tx);
    await tx.setting.upsert({
      where: { key: SETTING_KEY },
      create: { key: SETTING_KEY, value: policy },
      update: { value: policy },
    });
    await recordAudit(tx, options.context, {
      action: "settings.signup_policy.change",
      targetType: "setting",
      targetId: SETTING_KEY,
      metadata: { before, after: policy },
    });
  });
}
