/* paperdigest's only page script: small, no dependencies, everything optional (the pages read
   fine without it). Loaded in <head>, so the remembered view applies before the first paint. */
(function () {
  "use strict";
  var root = document.documentElement;

  /* Remembered choices (localStorage; a browser that refuses it just forgets). */
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  /* When a thumbnail or video cannot load (now or later, lazy images included), swap it for a
     text placeholder. Error events do not bubble, so listen in the capture phase. */
  document.addEventListener("error", function (event) {
    var el = event.target;
    if (!el || (el.tagName !== "IMG" && el.tagName !== "VIDEO")) return;
    var box = el.closest ? el.closest(".media") : null;
    if (box) box.classList.add("broken");
  }, true);

  /* Cards or a compact list: the class on <html> is set at once, from the remembered choice. */
  var VIEW = "pd-view";
  function setView(view) {
    root.classList.toggle("view-list", view === "list");
    var buttons = document.querySelectorAll("[data-view]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-view") === view));
    }
  }
  setView(load(VIEW) === "list" ? "list" : "cards");

  /* The English original beside a summary: closed by default; opening or closing one is
     remembered, and later pages open (or keep closed) every original accordingly. */
  var ORIGINAL = "pd-original";

  function ready() {
    var switcher = document.querySelector(".view-switch");
    if (switcher) {
      switcher.hidden = false;
      setView(root.classList.contains("view-list") ? "list" : "cards");
      switcher.addEventListener("click", function (event) {
        var button = event.target.closest ? event.target.closest("[data-view]") : null;
        if (!button) return;
        var view = button.getAttribute("data-view");
        setView(view);
        save(VIEW, view);
      });
    }
    var originals = document.querySelectorAll("details.original");
    var open = load(ORIGINAL) === "open";
    for (var i = 0; i < originals.length; i++) {
      originals[i].open = open;
      originals[i].querySelector("summary").addEventListener("click", function (event) {
        var details = event.currentTarget.parentNode;
        save(ORIGINAL, details.open ? "closed" : "open"); /* the click is about to flip it */
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();

  /* Keys between days, as the pager shows them: newer on the left, older on the right.
     ← or k: the newer day; → or j: the older day. Not while typing, not with a modifier. */
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    var rel = null;
    if (event.key === "ArrowLeft" || event.key === "k") rel = "next";
    else if (event.key === "ArrowRight" || event.key === "j") rel = "prev";
    if (!rel) return;
    var link = document.querySelector('.pager a[rel="' + rel + '"]');
    if (!link) return;
    event.preventDefault();
    window.location.href = link.href;
  });
})();
