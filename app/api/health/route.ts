/** Liveness: the process is up and serving. Dependencies are /api/ready's business. */
export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
