/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Loaded from node_modules at run time (native code, worker threads, or process-wide singletons).
  serverExternalPackages: [
    "pino",
    "pino-pretty",
    "prom-client",
    "bullmq",
    "ioredis",
    "pg",
    "@node-rs/argon2",
  ],
  // Type checking is its own step of `npm test` (tsc over the whole repository, tests included);
  // the build skips it so it is faster and a test-only type error cannot stop `npm start`.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
