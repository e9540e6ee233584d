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

export async function readBody(
  body: AsyncIterable<Uint8Array>,
  declaredLength: number | undefined,
  limit: number = MAX_REQUEST_BYTES,
): Promise<BodyResult> {
  if (declaredLength !== undefined && declaredLength > limit) return { ok: false, reason: "too_large" };
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) return { ok: false, reason: "too_large" };
    chunks.push(chunk);
  }
  const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  try {
    return { ok: true, text: decoder.decode(bytes), bytes: total };
  } catch {
    return { ok: false, reason: "not_utf8" };
  }
}
