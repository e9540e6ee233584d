import type { Exchange } from "../context";
import { openStdioChannel } from "../stdio/supervisor";
import { ChannelConnector, DEFAULT_CHANNEL_IDLE_MS, startChannelServices } from "./channel";
import { UpstreamConnector } from "./connector";
import { openSseChannel } from "./sse-connector";

/** The connector for the connection's transport: streamable HTTP, legacy HTTP+SSE, or stdio. */
export function connectorFor(exchange: Exchange): UpstreamConnector {
  const transport = exchange.access.version.transport;
  if (transport === "STREAMABLE_HTTP") return new UpstreamConnector(exchange);
  startChannelServices(exchange, exchange.deps.channelIdleMs ?? DEFAULT_CHANNEL_IDLE_MS);
  return new ChannelConnector(exchange, transport === "SSE" ? openSseChannel : openStdioChannel);
}
