// Quiz answers without a page reload (issue 21): the same POST the form makes without JavaScript, its answer
// page's result shown under the question. With no connection (a lesson saved for offline) the quiz's note says
// answers are checked when the server is reachable. Without fetch, or on any other failure, the form submits.
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
      // no answer at all: a lesson saved for offline, opened away from the school's Wi-Fi
      .then(function (response) { return response.text(); }, function () { return null; })
      .then(function (text) {
        var shown = form.querySelector(".quiz-shown");
        if (!shown) {
          shown = document.createElement("div");
          shown.className = "quiz-shown";
          shown.setAttribute("role", "status");
          form.querySelector("fieldset").appendChild(shown);
        }
        shown.textContent = "";
        if (text === null) {
          var quiz = form.parentNode;
          var note = shown.appendChild(document.createElement("p"));
          note.className = "quiz-offline";
          note.textContent = (quiz && quiz.getAttribute("data-offline")) || "";
          return;
        }
        var page = new DOMParser().parseFromString(text, "text/html");
        var result = page.querySelector(".quiz-result") || page.querySelector("main");
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
