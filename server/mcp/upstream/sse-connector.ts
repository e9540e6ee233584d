import type { Exchange } from "../context";
import { SseParser } from "../sse";
import type { ChannelEvents, MessageChannel } from "./channel";
import { type DialTarget, resolveDialTarget, UpstreamFailure, upstreamRequest } from "./http-client";

/**
 * A legacy HTTP+SSE upstream (MCP 2024-11-05) as a message channel: `GET <url>` opens the stream,
 * whose first `endpoint` event names the URL to POST messages to; every answer and server message
 * arrives as a `message` event on the stream. Both the stream and every POST go through the SSRF
 * guard with the checked address pinned (http-client.ts); the endpoint must be on the stream's own
 * origin (an upstream cannot point the gateway elsewhere), and is checked by the guard again.
 */
const USER_AGENT = "Gatehouse-MCP-Proxy/0.1";

export async function openSseChannel(exchange: Exchange, events: ChannelEvents): Promise<MessageChannel> {
  const { deps, target } = exchange;
  const policy = await exchange.outboundPolicy;
  const streamTarget = await resolveDialTarget(target.url, policy, deps.resolver);
  const abort = new AbortController();
  const stream = await upstreamRequest({
    target: streamTarget,
    method: "GET",
    headers: { ...target.headers, "user-agent": USER_AGENT, accept: "text/event-stream" },
    limits: deps.limits,
    isStream: true,
    signal: abort.signal,
  });
  if (stream.status !== 200 || stream.mediaType !== "text/event-stream") {
    stream.destroy();
    throw new UpstreamFailure(
      "protocol",
      `The upstream answered the SSE stream request with HTTP ${stream.status}${stream.mediaType ? ` (${stream.mediaType})` : ""}.`,
    );
  }

  let endpoint: DialTarget | null = null;
  let closed = false;
  let resolveEndpoint: (value: DialTarget | UpstreamFailure) => void = () => {};
  const endpointReady = new Promise<DialTarget | UpstreamFailure>((resolve) => {
    resolveEndpoint = resolve;
  });
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    abort.abort();
    stream.destroy();
    resolveEndpoint(new UpstreamFailure("protocol", `The upstream's SSE stream ended (${reason}).`));
    events.closed(reason);
  };

  void (async () => {
    const parser = new SseParser(deps.limits.maxMessageBytes);
    try {
      for await (const chunk of stream.body)
        for (const event of parser.push(chunk)) {
          if (event.event === "endpoint" && endpoint === null) {
            let url: URL;
            try {
              url = new URL(event.data.trim(), streamTarget.url);
            } catch {
              resolveEndpoint(new UpstreamFailure("protocol", "The upstream sent an invalid endpoint."));
              continue;
            }
            if (url.origin !== streamTarget.url.origin) {
              resolveEndpoint(
                new UpstreamFailure("refused", "The upstream's message endpoint is on another origin."),
              );
              continue;
            }
            try {
              endpoint = await resolveDialTarget(url.href, policy, deps.resolver);
              resolveEndpoint(endpoint);
            } catch (error) {
              resolveEndpoint(
                error instanceof UpstreamFailure
                  ? error
                  : new UpstreamFailure("refused", "The upstream's message endpoint was refused."),
              );
            }
            continue;
          }
          if ((event.event === "" || event.event === "message") && event.data !== "")
            events.message(event.data);
        }
      finish("closed by the upstream");
    } catch {
      finish(abort.signal.aborted ? "closed" : "the stream broke off");
    }
  })();

  const timer = setTimeout(
    () =>
      resolveEndpoint(
        new UpstreamFailure(
          "timeout",
          `The upstream sent no endpoint within ${deps.limits.headersTimeoutMs} ms.`,
        ),
      ),
    deps.limits.headersTimeoutMs,
  );
  const ready = await endpointReady;
  clearTimeout(timer);
  if (ready instanceof UpstreamFailure) {
    finish("no endpoint");
    throw ready;
  }
  const postTarget = ready;

  return {
    label: "SSE stream",
    send: async (text) => {
      if (closed) throw new UpstreamFailure("unreachable", "The upstream's SSE stream is closed.");
      const response = await upstreamRequest({
        target: postTarget,
        method: "POST",
        headers: {
          ...target.headers,
          "user-agent": USER_AGENT,
          accept: "application/json, text/event-stream",
          "content-type": "application/json",
        },
        body: text,
        limits: deps.limits,
      });
      response.destroy();
      if (response.status < 200 || response.status > 299)
        throw new UpstreamFailure("protocol", `The upstream refused the message (HTTP ${response.status}).`);
    },
    close: async (reason) => finish(reason),
  };
}
