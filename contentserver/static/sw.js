/* Service worker: lessons a student saved open with no connection and follow their changes when online.
   Only lesson pages, their images and worksheets, the saved-lessons page, the stylesheet and two scripts are ever cached;
   teacher and admin pages never are. This file is the only writer of the cache (offline.js asks it to save). */
"use strict";
const CACHE = "saved-lessons-v1";
// practice.js: a saved lesson's quiz says, away from school, that answers are checked when the server is reachable
const SHELL = ["/saved", "/static/style.css", "/static/offline.js", "/static/practice.js"];
const CACHEABLE = /^\/(lessons\/[^/]+|objects\/[0-9a-f]{64}|saved|static\/(style\.css|offline\.js|practice\.js))$/;
// What a saved lesson keeps with it: its images and its PDF worksheets (never videos: too big).
const LESSON_FILES = /<img[^>]*\ssrc="(\/objects\/[0-9a-f]{64})"|<figure class="attachment pdf">\s*<figcaption>\s*<a href="(\/objects\/[0-9a-f]{64})"/g;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(SHELL.map((path) => download(cache, path))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const paths = event.data && event.data.save;
  const reply = event.ports[0];
  if (!Array.isArray(paths) || !reply) return;
  event.waitUntil(saveLessons(paths).then(() => reply.postMessage(true), () => reply.postMessage(false)));
});

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

/* Store a response under its path alone: without Vary, so one copy per path, whatever the language cookie. */
async function keep(cache, path, response) {
  const headers = new Headers(response.headers);
  headers.delete("Vary");
  const copy = new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
  await cache.delete(path, { ignoreVary: true });
  await cache.put(path, copy);
}

async function download(cache, path, fetched) {
  const response = fetched || await fetch(path, { cache: "no-cache" });
  if (!response.ok) throw new Error(path + ": " + response.status);
  const html = path.startsWith("/lessons/") ? await response.clone().text() : "";
  await keep(cache, path, response);
  for (const [, img, pdf] of html.matchAll(LESSON_FILES)) {
    const file = img || pdf;
    if (!(await cache.match(file, { ignoreVary: true }))) await download(cache, file);
  }
}

async function saveLessons(paths) {
  const cache = await caches.open(CACHE);
  for (const path of [...SHELL, ...paths.filter((p) => p.startsWith("/lessons/") && CACHEABLE.test(p))]) {
    await download(cache, path);
  }
}

async function offlineFallback() {
  const saved = await caches.match("/saved", { ignoreVary: true });
  return saved || Response.error();
}

async function answer(request, path) {
  const cache = await caches.open(CACHE);
  const saved = await cache.match(path, { ignoreVary: true });
  if (path.startsWith("/objects/")) return saved || fetch(request);  // named by their hash: never change
  try {
    const fresh = await fetch(request);
    // A saved page is replaced by its newer version (and that version's files) whenever we are online.
    if (saved && fresh.ok && !/no-store/.test(fresh.headers.get("Cache-Control") || "")) {
      await download(cache, path, fresh.clone()).catch(() => undefined);
    }
    return fresh;
  } catch (error) {
    if (saved) return saved;
    return request.mode === "navigate" ? offlineFallback() : Response.error();
  }
}
