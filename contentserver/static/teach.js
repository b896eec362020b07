/* Teacher pages, progressive enhancement: "Copy" beside each file's Markdown. Without JavaScript (or a
   clipboard) the Markdown stays in a read-only box to select. Plain http:// has no navigator.clipboard, so the
   older selection copy is the fallback. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var box = document.getElementById(button.dataset.copy), label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = button.dataset.copied;
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      box.focus();
      box.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(box.value).then(done, function () { if (document.execCommand("copy")) done(); });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
})();
/* A file too large for its kind is said at once, before its bytes are sent (the server checks again). */
(function () {
  "use strict";
  var KINDS = [["video/", "video"], ["audio/", "audio"], ["application/pdf", "pdf"], ["image/", "image"], ["text/vtt", "subtitles"]];
  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-limits]"), function (input) {
    var limits = JSON.parse(input.dataset.limits), error = document.getElementById("file-error");
    input.addEventListener("change", function () {
      var file = input.files[0], kind = null;
      if (!file || !error) return;
      KINDS.forEach(function (pair) { if (!kind && file.type.indexOf(pair[0]) === 0) kind = pair[1]; });
      var limit = kind ? limits[kind] : Math.max.apply(null, Object.keys(limits).map(function (k) { return limits[k]; }));
      if (file.size > limit) {
        error.textContent = file.name + ": " + input.dataset.tooLarge;
        input.value = "";
      } else {
        error.textContent = "";
      }
    });
  });
})();
