/* Loaded in <head>, before any image: when a thumbnail or video cannot load (now or later, lazy
   images included), swap it for a text placeholder. Error events do not bubble, so listen in the
   capture phase on the document. */
(function () {
  "use strict";
  function broken(event) {
    var el = event.target;
    if (!el || (el.tagName !== "IMG" && el.tagName !== "VIDEO")) return;
    var box = el.closest ? el.closest(".media") : null;
    if (box) box.classList.add("broken");
  }
  document.addEventListener("error", broken, true);
})();
