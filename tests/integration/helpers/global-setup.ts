import type { TestProject } from "vitest/node";
import { migrate } from "@/server/db/migrate";
import {
  createDatabase,
  deleteRedisKeys,
  dropDatabase,
  randomRedisPrefix,
  TEST_REDIS_URL,
} from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    redisKeyPrefix: string;
  }
}

/** One migrated database and one Redis key prefix for the whole integration run; removed afterwards. */
export default async function setup(project: TestProject) {
  const database = await createDatabase("gatehouse_test");
  const redisKeyPrefix = randomRedisPrefix("test");
  await migrate(database.url);
  project.provide("databaseUrl", database.url);
  project.provide("redisUrl", TEST_REDIS_URL);
  project.provide("redisKeyPrefix", redisKeyPrefix);
  return async () => {
    await dropDatabase(database.name);
    await deleteRedisKeys(redisKeyPrefix);
  };
}
