/**
 * Server-sent events: an incremental parser for upstream streams (WHATWG "event stream
 * interpretation": CR, LF or CRLF line ends, comments, id/event/data/retry fields) with a cap on
 * one event's size, and the formatter for what the gateway writes to agents.
 */
export type SseEvent = {
  /** the `id` field of this event, when it had one */
  id?: string;
  event: string;
  data: string;
  retry?: number;
};

export class SseEventTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`an upstream event exceeded ${limit} bytes`);
    this.name = "SseEventTooLargeError";
  }
}

export class SseParser {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";
  private data: string[] = [];
  private dataLength = 0;
  private eventType = "";
  private eventId: string | undefined;
  private retry: number | undefined;
  private sawField = false;
  private pendingCr = false;

  constructor(private readonly maxEventChars: number) {}

  /** Feeds bytes; returns the events they complete. Throws SseEventTooLargeError. */
  push(chunk: Uint8Array): SseEvent[] {
    let text = this.decoder.decode(chunk, { stream: true });
    // A CR at the end of the previous chunk may be the first half of CRLF.
    if (this.pendingCr) {
      if (text.startsWith("\n")) text = text.slice(1);
      this.pendingCr = false;
    }
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf("\n", start);
      const cr = this.buffer.indexOf("\r", start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 === this.buffer.length) {
          this.pendingCr = true;
          next = cr + 1;
        } else next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else break;
      const event = this.line(this.buffer.slice(start, end));
      if (event) events.push(event);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length + this.dataLength > this.maxEventChars)
      throw new SseEventTooLargeError(this.maxEventChars);
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        this.dataLength += value.length + 1;
        if (this.dataLength > this.maxEventChars) throw new SseEventTooLargeError(this.maxEventChars);
        this.sawField = true;
        break;
      case "event":
        this.eventType = value;
        this.sawField = true;
        break;
      case "id":
        if (!value.includes("\0")) this.eventId = value;
        this.sawField = true;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        this.sawField = true;
        break;
      default:
        break;
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    if (!this.sawField) return null;
    const event: SseEvent = { event: this.eventType || "message", data: this.data.join("\n") };
    if (this.eventId !== undefined) event.id = this.eventId;
    if (this.retry !== undefined) event.retry = this.retry;
    this.data = [];
    this.dataLength = 0;
    this.eventType = "";
    this.eventId = undefined;
    this.retry = undefined;
    this.sawField = false;
    return event;
  }
}

/** One event as the gateway writes it; `data` never holds a line break (JSON.stringify output). */
export function formatSseEvent(event: { id?: string; data: string; retry?: number }): string {
  let out = "";
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  out += `event: message\ndata: ${event.data}\n\n`;
  return out;
}

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-store",
  // nginx and similar proxies would otherwise buffer the stream
  "x-accel-buffering": "no",
};
