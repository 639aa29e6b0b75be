// Results as you type: the search box asks /api/search and lists the best matches.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (!input || !list) { return; }
  var form = input.form;
  var base = form.getAttribute("action").replace(/search$/, "");
  var language = document.getElementById("in");
  var timer = null;
  var latest = 0;
  function clear() { list.innerHTML = ""; list.hidden = true; }
  function show(hits) {
    list.innerHTML = "";
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      var a = document.createElement("a");
      a.href = hit.url;
      a.textContent = hit.label;
      if (hit.matched_label !== hit.label) {
        var small = document.createElement("small");
        small.textContent = " (" + hit.matched_label + ")";
        a.appendChild(small);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
  }
  function ask() {
    var q = input.value.trim();
    if (q.length < 2) { clear(); return; }
    var url = base + "api/search?page_size=8&q=" + encodeURIComponent(q);
    if (language && language.value) { url += "&lang=" + language.value; }
    var ticket = ++latest;
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
      .then(function (page) { if (ticket === latest) { show(page.hits || []); } })
      .catch(clear);
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && !list.hidden) {
      event.preventDefault();
      var first = list.querySelector("a");
      if (first) { first.focus(); }
    } else if (event.key === "Escape") { clear(); }
  });
  list.addEventListener("keydown", function (event) {
    var item = document.activeElement.closest("li");
    if (!item) { return; }
    if (event.key === "ArrowDown" && item.nextElementSibling) {
      event.preventDefault(); item.nextElementSibling.querySelector("a").focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (item.previousElementSibling ? item.previousElementSibling.querySelector("a") : input).focus();
    } else if (event.key === "Escape") { clear(); input.focus(); }
  });
})();
