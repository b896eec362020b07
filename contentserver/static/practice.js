// Quiz answers without a page reload (issue 21): the same POST the form makes without JavaScript, its answer
// page's result shown under the question. Without fetch, or on any failure, the form submits as usual.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.DOMParser) return;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("quiz-question")) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var page = new DOMParser().parseFromString(text, "text/html");
        var result = page.querySelector(".quiz-result") || page.querySelector("main");
        var shown = form.querySelector(".quiz-shown");
        if (!shown) {
          shown = document.createElement("div");
          shown.className = "quiz-shown";
          shown.setAttribute("role", "status");
          form.querySelector("fieldset").appendChild(shown);
        }
        shown.textContent = "";
        [result, page.querySelector(".quiz-progress")].forEach(function (part) {
          if (part) shown.appendChild(document.importNode(part, true));
        });
        var heading = shown.querySelector("h1");  // the answer page's title becomes a line under the question
        if (heading) {
          var verdict = document.createElement("p");
          verdict.className = "quiz-verdict";
          verdict.appendChild(document.createElement("strong")).textContent = heading.textContent;
          heading.parentNode.replaceChild(verdict, heading);
        }
      })
      .catch(function () { form.submit(); })
      .then(function () { if (button) button.disabled = false; });
  });
})();
