import { defineConfig } from "prisma/config";

// Only `prisma generate` runs here (the schema engine cannot be downloaded on these machines);
// migrations are applied by `gatehouse migrate`. The URL is read lazily so generate needs none.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/gatehouse" },
});
