/**
 * The transport-neutral request and response the MCP handler works on. Two thin adapters produce
 * and consume them: node:http (the production fast path) and Web Request/Response (Next route
 * handlers). Nothing in server/mcp depends on either runtime's types.
 */

export type McpHttpRequest = {
  /** upper-case HTTP method */
  method: string;
  /** path without the query */
  path: string;
  /** the raw query including "?", or "" */
  search: string;
  /** a header by lower-case name; repeated headers joined with ", " */
  header: (name: string) => string | undefined;
  /** the declared Content-Length, when there is one (it may lie: the body is counted anyway) */
  contentLength: number | undefined;
  /** the body, read at most once */
  body: AsyncIterable<Uint8Array>;
  /** set by our HTTP front from the socket or a trusted proxy only (PROTOCOL X8) */
  clientIp: string | null;
  requestId: string;
  /** aborted when the client goes away before the response is complete */
  signal: AbortSignal;
};

/**
 * Where a streamed response body goes. `write` resolves once the chunk has been handed to the
 * client's socket (backpressure), or at once when the client has gone away: a relay keeps
 * running without its client (the upstream call is not cancelled by a dropped connection, T16).
 */
export type StreamSink = {
  write: (chunk: string) => Promise<void>;
  /** true once the client went away */
  readonly isClosed: boolean;
  /** aborted when the client goes away */
  readonly signal: AbortSignal;
};

export type McpHttpResponse = {
  status: number;
  headers: Record<string, string>;
  /** a complete body, or a function that streams it (the adapter ends the response when it settles) */
  body: string | null | ((sink: StreamSink) => Promise<void>);
};
