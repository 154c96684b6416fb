// The desk's service worker (served as /desk-sw.js, scope /desk): the desk opens without
// network. The page comes from the network when it answers (a fresh copy is kept), else from
// the cache; the hashed assets never change, so the cache serves them first. The API is never
// cached here: the page keeps what it needs offline (keys, revocations, queue) in IndexedDB.
const CACHE = "tbc-desk-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function fromCacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
  }
  return response;
}

async function fromNetworkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    // the page varies by Accept-Language; offline, any copy of it beats none
    const cached =
      (await cache.match(request, { ignoreVary: true })) ??
      (await cache.match(request, { ignoreSearch: true, ignoreVary: true }));
    if (cached) {
      return cached;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(fromCacheFirst(request));
  } else if (url.pathname === "/desk") {
    event.respondWith(fromNetworkFirst(request));
  }
});
