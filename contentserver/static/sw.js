/* Service worker: lessons a student saved open with no connection and follow their changes when online.
   Only lesson pages, their images, the saved-lessons page and the stylesheet are ever cached; teacher and
   admin pages never pass through here. */
"use strict";
const CACHE = "saved-lessons-v1";
const SHELL = ["/saved", "/static/style.css", "/static/offline.js"];
const CACHEABLE = /^\/(lessons\/[^/]+|objects\/[0-9a-f]{64}|saved|static\/(style\.css|offline\.js))$/;
const IMAGE_SRC = /<img[^>]*\ssrc="(\/objects\/[0-9a-f]{64})"/g;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (CACHEABLE.test(url.pathname)) {
    event.respondWith(answer(request, url.pathname));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => offlineFallback()));
  }
});

async function offlineFallback() {
  const saved = await caches.match("/saved", { ignoreVary: true });
  return saved || Response.error();
}

async function keepImages(cache, html) {
  for (const [, src] of html.matchAll(IMAGE_SRC)) {
    if (!(await cache.match(src, { ignoreVary: true }))) await cache.add(src).catch(() => undefined);
  }
}

async function answer(request, path) {
  const cache = await caches.open(CACHE);
  const saved = await cache.match(path, { ignoreVary: true });
  if (path.startsWith("/objects/")) return saved || fetch(request);  // named by their hash: never change
  try {
    const fresh = await fetch(request);
    // A saved page is replaced by its newer version (and that version's images) whenever we are online.
    if (saved && fresh.ok && !/no-store/.test(fresh.headers.get("Cache-Control") || "")) {
      const html = await fresh.clone().text();
      await cache.put(path, fresh.clone());
      if (path.startsWith("/lessons/")) await keepImages(cache, html);
    }
    return fresh;
  } catch (error) {
    if (saved) return saved;
    return request.mode === "navigate" ? offlineFallback() : Response.error();
  }
}
