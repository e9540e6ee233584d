import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";

/** Embedded services listen on loopback only: nothing on the network can reach them. */
export const LOOPBACK = "127.0.0.1";

/** True when nothing listens on host:port (checked by binding it for a moment). */
export function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function ephemeralPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `preferred` when it is free (a stable port makes URLs in runtime.json and logs predictable),
 * otherwise one the kernel picks. Another process could still take it before our service binds;
 * the service then fails to start with a clear error rather than sharing the port.
 */
export async function pickPort(preferred: number, host: string = LOOPBACK): Promise<number> {
  if (await isPortFree(preferred, host)) return preferred;
  return ephemeralPort(host);
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Resolves once something accepts connections on host:port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port, host)) return;
    await delay(150);
  }
  throw new Error(`nothing listened on ${host}:${port} within ${Math.round(timeoutMs / 1000)} s`);
}
