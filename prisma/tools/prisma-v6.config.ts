// Config for the Prisma 6 CLI (devDependency `prisma-v6`), used only to compute migration SQL offline:
// Prisma 7's schema engine must be downloaded, while Prisma 6 with `engine: "js"` diffs schemas
// through a driver adapter. See prisma/tools/diff.ts.

import { defineConfig } from "prisma-v6/config";
import { PrismaPg } from "prisma-v6-adapter-pg";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://localhost/postgres" });
  },
});
