/**
 * What an upstream request needs of an abort signal. `AbortSignal` has this shape, so a client's
 * signal (GET streams) passes as it is; the relay of each POST uses a `Cancellation` instead,
 * because on Node 20 an AbortController with one listener costs about 5 µs, more than the rest of a
 * request's bookkeeping together, and almost every request ends without being cancelled.
 */
export type AbortLike = {
  readonly aborted: boolean;
  addEventListener: (type: "abort", listener: () => void, options?: { once?: boolean }) => void;
  removeEventListener: (type: "abort", listener: () => void) => void;
};

/**
 * A one-shot abort, as AbortController and its signal in one plain object: listeners run once, in
 * order, on the first `abort()`; as with AbortSignal, one added after that never runs (callers check
 * `aborted` first).
 */
export class Cancellation implements AbortLike {
  aborted = false;
  private listeners: (() => void)[] = [];

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}
