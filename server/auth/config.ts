import { headers } from "next/headers";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { auditContextFromHeaders } from "../audit/record";
import { db } from "../db";
import { env } from "../env";
import { redis } from "../redis";
import { externalSignIn } from "../services/auth/external-sign-in";
import { passwordSignIn } from "../services/auth/password-sign-in";
import { endSession, startSession } from "../services/auth/sessions";
import { externalProviders, OIDC_PROVIDER_ID } from "./providers";

/**
 * next-auth (Auth.js v5) with JWT cookies that carry only a session id; the session row and its
 * user are checked on every request (server/auth/session.ts). Accounts are created by our own
 * services, in one transaction with their audit events and the sign-up rules, rather than by an
 * adapter; the Account/Session/VerificationToken tables keep the adapter's shape.
 */
class SignInRefused extends CredentialsSignin {
  constructor(code: string) {
    super();
    this.code = code;
  }
}

const CREDENTIALS = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
});

async function requestContext() {
  return auditContextFromHeaders(new Headers(await headers()));
}

function groupsFrom(profile: unknown, claim: string): string[] {
  const value =
    profile && typeof profile === "object" ? (profile as Record<string, unknown>)[claim] : undefined;
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return typeof value === "string" ? [value] : [];
}

function emailVerified(provider: string, profile: Record<string, unknown> | undefined): boolean {
  // Google says so explicitly, and so does our GitHub profile (github-profile.ts); an OIDC issuer
  // that omits the claim is trusted (Entra never sends it), one that says false is not.
  const claim = profile?.email_verified;
  return claim === undefined ? provider === OIDC_PROVIDER_ID : claim === true || claim === "true";
}

function buildConfig(): NextAuthConfig {
  const config = env();
  const isHttps = config.GATEHOUSE_PUBLIC_URL.startsWith("https:");
  return {
    secret: config.AUTH_SECRET,
    // Our HTTP front drops forwarding headers from untrusted peers, so the host is ours to trust.
    trustHost: true,
    useSecureCookies: isHttps,
    basePath: "/api/auth",
    session: { strategy: "jwt", maxAge: 14 * 24 * 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    logger: {
      error: (error) => console.error(`[auth] ${error.name}: ${error.message}`),
      warn: () => undefined,
    },
    providers: [
      Credentials({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
        async authorize(raw, request) {
          const parsed = CREDENTIALS.safeParse(raw);
          if (!parsed.success) throw new SignInRefused("invalid");
          const result = await passwordSignIn({
            db: db(),
            redis: redis(),
            redisPrefix: config.REDIS_KEY_PREFIX,
            email: parsed.data.email,
            password: parsed.data.password,
            context: auditContextFromHeaders(request.headers),
          });
          if (result.ok) return { id: result.userId };
          if (result.reason === "locked") throw new SignInRefused(`locked.${result.lockedUntil.getTime()}`);
          if (result.reason === "throttled") throw new SignInRefused(`throttled.${result.retryAt.getTime()}`);
          throw new SignInRefused(result.reason);
        },
      }),
      ...externalProviders(config),
    ],
    callbacks: {
      async signIn({ account, profile, user }) {
        if (!account || account.provider === "credentials") return true;
        const claims = (profile ?? {}) as Record<string, unknown>;
        const result = await externalSignIn({
          db: db(),
          identity: {
            provider: account.provider,
            providerAccountId: account.providerAccountId,
            email: user.email ?? (typeof claims.email === "string" ? claims.email : null),
            emailVerified: emailVerified(account.provider, claims),
            name: user.name ?? null,
            image: user.image ?? null,
            groups:
              account.provider === OIDC_PROVIDER_ID
                ? groupsFrom(claims, config.AUTH_OIDC_GROUPS_CLAIM)
                : undefined,
          },
          adminEmail: config.GATEHOUSE_ADMIN_EMAIL,
          context: await requestContext(),
        });
        return result.ok ? true : `/signin?error=${result.reason}`;
      },
      async jwt({ token, user, account }) {
        if (!account) return token;
        // A sign-in just happened: find our user and open a session row the cookie will name.
        let userId = account.provider === "credentials" ? user?.id : undefined;
        if (!userId) {
          const linked = await db().account.findUnique({
            where: {
              provider_providerAccountId: {
                provider: account.provider,
                providerAccountId: account.providerAccountId,
              },
            },
            select: { userId: true },
          });
          userId = linked?.userId;
        }
        if (!userId) throw new Error("signed-in account has no user");
        const { sessionId } = await startSession({
          db: db(),
          userId,
          method: account.provider,
          context: await requestContext(),
        });
        // Nothing else goes into the cookie: name, email and picture are read fresh from the database.
        return { sid: sessionId };
      },
      session({ session, token }) {
        return { ...session, sid: typeof token.sid === "string" ? token.sid : undefined };
      },
    },
    events: {
      async signOut(message) {
        const sid = "token" in message ? message.token?.sid : undefined;
        if (typeof sid === "string")
          await endSession({ db: db(), sessionId: sid, context: await requestContext() });
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig());
