/**
 * Reads a request body under a byte limit (PROTOCOL T17). A declared Content-Length over the limit
 * is refused before reading; otherwise bytes are counted as they arrive, so a lying Content-Length
 * or a chunked body cannot push more than the limit into memory.
 */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export type BodyResult =
  | { ok: true; text: string; bytes: number }
  | { ok: false; reason: "too_large" | "not_utf8" };

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A body an adapter can also hand over whole, without async iteration (which costs a promise per
 * chunk and an iterator per request). `readWhole` resolves with the chunks, or "too_large" once
 * more than `limit` bytes arrived (reading stops as iterating would); it rejects when the upload
 * breaks off.
 */
export type WholeBody = AsyncIterable<Uint8Array> & {
  readWhole: (limit: number) => Promise<Uint8Array[] | "too_large">;
};

function isWholeBody(body: AsyncIterable<Uint8Array>): body is WholeBody {
  return typeof (body as Partial<WholeBody>).readWhole === "function";
}

function decoded(chunks: Uint8Array[], total: number): BodyResult {
  const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  try {
    return { ok: true, text: decoder.decode(bytes), bytes: total };
  } catch {
    return { ok: false, reason: "not_utf8" };
  }
}

export async function readBody(
  body: AsyncIterable<Uint8Array>,
  declaredLength: number | undefined,
  limit: number = MAX_REQUEST_BYTES,
): Promise<BodyResult> {
  if (declaredLength !== undefined && declaredLength > limit) return { ok: false, reason: "too_large" };
  if (isWholeBody(body)) {
    const whole = await body.readWhole(limit);
    if (whole === "too_large") return { ok: false, reason: "too_large" };
    let total = 0;
    for (const chunk of whole) total += chunk.byteLength;
    return decoded(whole, total);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) return { ok: false, reason: "too_large" };
    chunks.push(chunk);
  }
  return decoded(chunks, total);
}
