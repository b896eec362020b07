/* Progressive enhancement: registers the service worker, saves a lesson for offline reading, lists saved ones.
   Every text shown comes from data-* attributes the server rendered in the UI language. The service worker
   (sw.js) writes the cache; this page only asks it to save, reads what is saved, and removes. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.caches || !window.MessageChannel) return;
  var CACHE = "saved-lessons-v1";  // the same name as in sw.js
  navigator.serviceWorker.register("/sw.js", { scope: "/" });
  // Saving works here (a secure context: https, or this computer): its link shows. Over plain http:// on the
  // LAN it stays hidden, and each lesson's "Download this lesson" is the way to take it home.
  document.querySelectorAll("[data-offline-link]").forEach(function (link) { link.hidden = false; });

  function askToSave(paths) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve, reject) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { if (event.data) resolve(); else reject(); };
        registration.active.postMessage({ save: paths }, [channel.port2]);
      });
    });
  }

  function savedLessons(cache) {
    return cache.keys().then(function (requests) {
      return requests.map(function (r) { return new URL(r.url).pathname; })
        .filter(function (path) { return path.indexOf("/lessons/") === 0; });
    });
  }

  // Back on the school Wi-Fi: saved copies follow their lessons' changes (the worker re-saves each one).
  function refreshSaved() {
    if (!navigator.onLine) return;
    caches.open(CACHE).then(savedLessons).then(function (paths) {
      if (paths.length) return askToSave(paths);
    }).catch(function () {});
  }

  function refreshHourly() {
    try {
      var last = Number(localStorage.getItem("saved-refreshed") || 0);
      if (Date.now() - last < 3600 * 1000) return;
      localStorage.setItem("saved-refreshed", String(Date.now()));
    } catch (error) { return; }  // no storage (private mode): the saved-lessons page still refreshes
    refreshSaved();
  }

  function setupSaveButton(box) {
    var button = box.querySelector("button");
    var status = box.querySelector("[role=status]");
    var path = location.pathname;
    function show(saved, message) {
      button.textContent = saved ? box.dataset.remove : box.dataset.save;
      button.dataset.saved = saved ? "1" : "";
      status.textContent = message || (saved ? box.dataset.saved : "");
    }
    caches.open(CACHE).then(function (cache) {
      return cache.match(path, { ignoreVary: true });
    }).then(function (hit) { show(!!hit); box.hidden = false; });
    button.addEventListener("click", function () {
      var wasSaved = !!button.dataset.saved;
      status.textContent = wasSaved ? "" : box.dataset.saving;
      var done = wasSaved ? caches.open(CACHE).then(function (cache) {
        return cache.delete(path, { ignoreVary: true });
      }) : askToSave([path]);
      done.then(function () { show(!wasSaved); }, function () { show(wasSaved, box.dataset.failed); });
    });
  }

  function listItem(cache, path, box) {
    return cache.match(path, { ignoreVary: true }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var article = doc.querySelector("article.lesson");
      var heading = doc.querySelector("main h1");
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = path;
      link.textContent = heading ? heading.textContent : path;
      if (article && article.lang) link.lang = article.lang;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = box.dataset.remove;
      remove.addEventListener("click", function () {
        cache.delete(path, { ignoreVary: true }).then(function () { li.remove(); });
      });
      li.append(link, " ", remove);
      return li;
    });
  }

  function setupSavedList(box) {
    var list = box.querySelector("ul");
    var empty = box.querySelector("[data-empty]");
    caches.open(CACHE).then(function (cache) {
      refreshSaved();
      return savedLessons(cache).then(function (paths) {
        return Promise.all(paths.map(function (path) { return listItem(cache, path, box); }));
      });
    }).then(function (items) {
      items.forEach(function (li) { list.appendChild(li); });
      empty.hidden = items.length > 0;
      box.hidden = false;
      document.querySelectorAll("[data-offline-unsupported]").forEach(function (p) { p.hidden = true; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var save = document.querySelector("[data-offline-save]");
    var saved = document.querySelector("[data-offline-list]");
    if (save) setupSaveButton(save);
    if (saved) setupSavedList(saved); else refreshHourly();
  });
  window.addEventListener("online", refreshSaved);
})();
