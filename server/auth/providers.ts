import type { Provider } from "next-auth/providers";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import type { Env } from "../env";
import { GITHUB_API, githubProfile } from "./github-profile";

/**
 * Identity providers, each enabled by its environment variables. Generic OIDC covers Okta, Entra ID,
 * Keycloak, Auth0 and any other issuer with discovery.
 */
export type ProviderSummary = { id: string; name: string };

export const OIDC_PROVIDER_ID = "oidc";

export function externalProviders(config: Env): Provider[] {
  const providers: Provider[] = [];
  if (config.AUTH_OIDC_ISSUER && config.AUTH_OIDC_CLIENT_ID && config.AUTH_OIDC_CLIENT_SECRET) {
    providers.push({
      id: OIDC_PROVIDER_ID,
      name: config.AUTH_OIDC_NAME,
      type: "oidc",
      issuer: config.AUTH_OIDC_ISSUER,
      clientId: config.AUTH_OIDC_CLIENT_ID,
      clientSecret: config.AUTH_OIDC_CLIENT_SECRET,
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: "openid email profile" } },
    });
  }
  if (config.AUTH_GITHUB_ID && config.AUTH_GITHUB_SECRET) {
    providers.push(
      GitHub({
        clientId: config.AUTH_GITHUB_ID,
        clientSecret: config.AUTH_GITHUB_SECRET,
        userinfo: {
          url: `${GITHUB_API}/user`,
          request: ({ tokens }: { tokens: { access_token?: string } }) =>
            githubProfile(tokens.access_token ?? ""),
        },
      }),
    );
  }
  if (config.AUTH_GOOGLE_ID && config.AUTH_GOOGLE_SECRET) {
    providers.push(Google({ clientId: config.AUTH_GOOGLE_ID, clientSecret: config.AUTH_GOOGLE_SECRET }));
  }
  return providers;
}

export function providerSummaries(config: Env): ProviderSummary[] {
  return externalProviders(config).map((provider) => {
    const resolved = typeof provider === "function" ? provider() : provider;
    return { id: resolved.id, name: resolved.name };
  });
}
