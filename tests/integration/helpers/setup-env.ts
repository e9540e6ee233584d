import { randomBytes } from "node:crypto";
import { inject } from "vitest";

// Runs in each test worker before the test file imports anything that calls env().
process.env.DATABASE_URL = inject("databaseUrl");
process.env.REDIS_URL = inject("redisUrl");
process.env.REDIS_KEY_PREFIX = inject("redisKeyPrefix");
process.env.AUTH_SECRET = randomBytes(32).toString("base64url");
process.env.GATEHOUSE_ENCRYPTION_KEY = randomBytes(32).toString("base64");
process.env.GATEHOUSE_DATA_DIR = "/nonexistent/gatehouse-test-data";
process.env.LOG_LEVEL = "warn";
process.env.NODE_ENV = "test";
