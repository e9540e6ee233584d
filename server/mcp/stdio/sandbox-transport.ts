import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { type SandboxedProcess, type SandboxOptions, spawnSandboxed } from "./sandbox";

/**
 * An MCP SDK client transport over a sandboxed stdio process (sandbox.ts), for the gateway's own
 * conversations with stdio servers (catalog discovery). The SDK's StdioClientTransport cannot be
 * used: it inherits part of the parent's environment and knows nothing of process groups or limits.
 * Lines that are not JSON-RPC are reported through `onerror` and otherwise ignored.
 */
export class SandboxedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private process: SandboxedProcess | null = null;

  constructor(
    private readonly options: Omit<SandboxOptions, "onLine" | "onExit"> & {
      /** runs once the process is up, before any message is sent (the spawn audit); a failure stops it */
      onStarted?: (started: Pick<SandboxedProcess, "pid" | "network">) => Promise<void>;
    },
  ) {}

  async start(): Promise<void> {
    const { onStarted, ...sandbox } = this.options;
    this.process = await spawnSandboxed({
      ...sandbox,
      onLine: (line) => this.receive(line),
      onExit: ({ code, signal, stopped }) => {
        if (!stopped)
          this.onerror?.(
            new Error(`The server process exited with ${signal ?? `code ${code}`}: ${this.lastStderrLine()}`),
          );
        this.onclose?.();
      },
    });
    try {
      await onStarted?.(this.process);
    } catch (error) {
      await this.process.kill("start-up hook failed");
      throw error;
    }
  }

  private receive(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.onerror?.(new Error("The server wrote a line that is not JSON."));
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (parsed.success) this.onmessage?.(parsed.data);
    else this.onerror?.(new Error("The server wrote a line that is not a JSON-RPC message."));
  }

  private lastStderrLine(): string {
    const lines = (this.process?.stderrTail() ?? "").trim().split("\n");
    return (lines.at(-1) ?? "").slice(0, 200) || "no output on stderr";
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.process === null) throw new Error("The transport is not started.");
    await this.process.send(JSON.stringify(message));
  }

  async close(): Promise<void> {
    await this.process?.kill("discovery finished");
  }
}
