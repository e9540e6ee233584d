import { disconnectDb } from "../db";
import { closeQueues } from "../queue/queues";
import { disconnectRedis } from "../redis";

/**
 * Wraps a command's action so that, however it ends, the database pool, the shared Redis client
 * and any queue producers it opened are closed and the process can exit at once (an open Redis
 * connection alone would keep it alive).
 */
export function withConnections<Args extends unknown[]>(action: (...args: Args) => Promise<void>) {
  return async (...args: Args) => {
    try {
      await action(...args);
    } finally {
      await Promise.all([closeQueues(), disconnectRedis(), disconnectDb()]);
    }
  };
}
