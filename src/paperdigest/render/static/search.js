/* Search page. Two modes, the same page:
   - offline (static site): window.PD_SEARCH_INDEX, loaded from search-index.js, searched here;
   - server: <body data-search-api="/api/search">, ranked by SQLite FTS5.
   Results are built with DOM nodes and textContent only, never innerHTML. */
(function () {
  "use strict";
  var MAX_TERMS = 16, MAX_RESULTS = 50;
  var body = document.body;
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  var api = body.getAttribute("data-search-api");
  var lang = body.getAttribute("data-lang") || "";
  var daysBase = body.getAttribute("data-days") || "days/";
  var docs = null, timer = 0, seq = 0;

  function norm(s) { return String(s || "").normalize("NFKC").toLowerCase(); }

  function termsOf(q) {
    var out = [], parts = norm(q).split(/[\s"]+/);
    for (var i = 0; i < parts.length && out.length < MAX_TERMS; i++) {
      var t = parts[i].replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
      t = t.replace(/^arxiv:/, "").replace(/^(\d{4}\.\d{4,5})v\d+$/, "$1");  // an id, any version
      if (t && out.indexOf(t) < 0) out.push(t);
    }
    return out;
  }

  function prepare() {
    var index = window.PD_SEARCH_INDEX, rows = (index && index.papers) || [];
    docs = rows.map(function (r) {
      // x: the id, the whole summary and the abstract (r[6]), as the server's search has them
      return { id: r[0], title: r[1], authors: r[2], day: r[3], votes: r[4], text: r[5],
               t: norm(r[1]), a: norm(r[2]), x: norm(r[0] + " " + r[5] + " " + (r[6] || "")) };
    });
  }

  function searchLocal(terms) {
    if (!docs) prepare();
    var hits = [];
    for (var i = 0; i < docs.length; i++) {
      var d = docs[i], score = 0, ok = true;
      for (var j = 0; j < terms.length; j++) {
        var t = terms[j];
        if (d.t.indexOf(t) >= 0) score += 10;
        else if (d.a.indexOf(t) >= 0) score += 4;
        else if (d.x.indexOf(t) >= 0) score += 1;
        else { ok = false; break; }
      }
      if (ok) hits.push({ d: d, s: score });
    }
    hits.sort(function (p, q) { return q.s - p.s || q.d.votes - p.d.votes || (q.d.day < p.d.day ? -1 : 1); });
    return { total: hits.length, items: hits.slice(0, MAX_RESULTS).map(function (h) { return h.d; }) };
  }

  /* Append text to el, wrapping every occurrence of a term in <mark>. */
  function highlighted(el, text, terms) {
    var low = norm(text), pos = 0;
    if (low.length !== text.length) { el.textContent = text; return; } // normalization moved offsets
    while (pos < text.length) {
      var best = -1, len = 0;
      for (var j = 0; j < terms.length; j++) {
        var k = low.indexOf(terms[j], pos);
        if (k >= 0 && (best < 0 || k < best || (k === best && terms[j].length > len))) { best = k; len = terms[j].length; }
      }
      if (best < 0) { el.appendChild(document.createTextNode(text.slice(pos))); break; }
      if (best > pos) el.appendChild(document.createTextNode(text.slice(pos, best)));
      var m = document.createElement("mark");
      m.textContent = text.slice(best, best + len);
      el.appendChild(m);
      pos = best + len;
    }
  }

  function excerpt(text, terms) {
    var low = norm(text), at = -1;
    for (var j = 0; j < terms.length && at < 0; j++) at = low.indexOf(terms[j]);
    if (at < 0 || text.length <= 220) return text.slice(0, 220) + (text.length > 220 ? "…" : "");
    var start = Math.max(0, at - 80);
    return (start > 0 ? "…" : "") + text.slice(start, start + 220) + (start + 220 < text.length ? "…" : "");
  }

  function show(result, terms) {
    list.textContent = "";
    var total = result.total;
    status.textContent = total ? status.getAttribute("data-count").replace("{n}", total + (result.capped ? "+" : ""))
                               : status.getAttribute("data-none");
    result.items.forEach(function (d) {
      var li = document.createElement("li");
      li.className = "result";
      var a = document.createElement("a");
      a.className = "r-title";
      a.href = daysBase + encodeURIComponent(d.day) + ".html#p-" + encodeURIComponent(d.id);
      highlighted(a, d.title, terms);
      var meta = document.createElement("div");
      meta.className = "r-meta";
      meta.textContent = d.day + " · ▲ " + d.votes + " · " + d.id;
      var auth = document.createElement("div");
      auth.className = "r-meta";
      highlighted(auth, d.authors.length > 160 ? d.authors.slice(0, 160) + "…" : d.authors, terms);
      var p = document.createElement("p");
      p.className = "r-text";
      highlighted(p, excerpt(d.text, terms), terms);
      li.appendChild(a); li.appendChild(meta); li.appendChild(auth); li.appendChild(p);
      list.appendChild(li);
    });
  }

  function searchApi(q, terms, mine) {
    var url = api + "?q=" + encodeURIComponent(q) + "&limit=" + MAX_RESULTS + (lang ? "&lang=" + encodeURIComponent(lang) : "");
    fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (res) {
      if (mine !== seq) return;
      if (!res.ok) { list.textContent = ""; status.textContent = status.getAttribute("data-error") + (res.j.detail || ""); return; }
      show({ total: res.j.total, capped: res.j.total_capped, items: res.j.hits.map(function (h) {
        return { id: h.id, title: h.title, authors: h.authors.join(", "), day: h.days[0] || "",
                 votes: h.upvotes, text: h.snippet || "" };
      }) }, terms);
    }).catch(function (e) {
      if (mine === seq) status.textContent = status.getAttribute("data-error") + e;
    });
  }

  function run(push) {
    var q = input.value.trim(), terms = termsOf(q), mine = ++seq;
    if (push && window.history && history.replaceState) {
      var url = new URL(window.location.href);
      if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
      try { history.replaceState(null, "", url.toString()); } catch (e) { /* file:// in some browsers */ }
    }
    if (!terms.length) { list.textContent = ""; status.textContent = ""; return; }
    if (api) searchApi(q, terms, mine); else show(searchLocal(terms), terms);
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); run(true); });
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { run(true); }, 150); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(false); }
})();
