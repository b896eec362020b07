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
