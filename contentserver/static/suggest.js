/* Progressive enhancement: lesson titles suggested while a search is typed, from /api/suggest. Without
   JavaScript the search box is a plain form, and a suggestion is only a link to its lesson. */
(function () {
  "use strict";
  if (!window.fetch || !window.AbortController) return;

  function attach(input) {
    var form = input.form, list = document.createElement("ul"), pending = null, timer = 0;
    list.className = "suggestions";
    list.id = input.id + "-suggestions";
    list.hidden = true;
    (input.parentNode === form ? form : input.parentNode).appendChild(list);

    function close() { list.hidden = true; list.textContent = ""; }

    function show(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = item.url;
        a.lang = item.lang;
        a.textContent = item.title;
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    function ask() {
      var text = input.value.trim();
      if (pending) pending.abort();
      if (!text) { close(); return; }
      pending = new AbortController();
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(input.value), { signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (answer) { show(answer.suggestions || []); })
        .catch(function () { /* aborted by the next key, or offline: the form still works */ });
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 120); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && !list.hidden) { event.preventDefault(); list.querySelector("a").focus(); }
      if (event.key === "Escape") close();
    });
    list.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a")), at = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
      if (event.key === "Escape") { close(); input.focus(); }
    });
    document.addEventListener("click", function (event) { if (!form.contains(event.target)) close(); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), attach);
})();
