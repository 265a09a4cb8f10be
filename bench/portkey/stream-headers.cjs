// Portkey 1.15.2 on Node adds its x-portkey-* headers to the upstream's own fetch Response when it relays a
// stream, and those headers are immutable by the fetch spec: every streamed answer then fails with
// "TypeError: immutable" (Portkey-AI/gateway#1389, #1550; fixed upstream by copying the response, #1551).
// Do that copy here, for event streams only, so non-streamed requests run Portkey's code untouched.
"use strict";

const originalFetch = globalThis.fetch;
if (typeof originalFetch === "function") {
  globalThis.fetch = async function fetchWithMutableStreamHeaders(...args) {
    const response = await originalFetch.apply(this, args);
    const type = response.headers.get("content-type");
    if (type === null || !type.startsWith("text/event-stream")) return response;
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: new Headers(response.headers),
    });
  };
}
