/** Unknown API paths answer JSON, like every other API error, instead of the HTML 404 page. */
function notFound(request: Request) {
  const { pathname } = new URL(request.url);
  return Response.json(
    { error: { code: "NOT_FOUND", message: `No API endpoint at ${pathname}.` } },
    { status: 404, headers: { "cache-control": "no-store" } },
  );
}

export { notFound as DELETE, notFound as GET, notFound as PATCH, notFound as POST, notFound as PUT };
