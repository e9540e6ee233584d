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
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
