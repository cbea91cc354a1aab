// A table wider than the screen scrolls inside its .table-responsive box. A keyboard user can
// only scroll that box when it takes focus, and a screen reader should hear what it holds
// (WCAG 2.1.1, axe "scroll-region-focusable"). One place for every table wrapper: a box
// becomes a named, focusable region while it scrolls and an ordinary box again when it fits,
// so that a table that fits adds no tab stop.
(function () {
  "use strict";
  var fallback = document.body.getAttribute("data-vw-table-label") || "Table";
  var counter = 0;

  function idOf(element) {
    if (!element.id) {
      counter += 1;
      element.id = "vw-region-label-" + counter;
    }
    return element.id;
  }

  function precedingHeading(box) {
    var headings = document.querySelectorAll("h1, h2, h3, h4, h5, h6");
    var found = null;
    for (var i = 0; i < headings.length; i += 1) {
      if (headings[i].compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING) {
        found = headings[i];
      }
    }
    return found;
  }

  function name(box) {
    if (box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby")) {
      return;
    }
    box.setAttribute("data-vw-named", "");
    var table = box.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      box.setAttribute("aria-labelledby", idOf(caption));
    } else if (table && table.getAttribute("aria-labelledby")) {
      box.setAttribute("aria-labelledby", table.getAttribute("aria-labelledby"));
    } else if (table && table.getAttribute("aria-label")) {
      box.setAttribute("aria-label", table.getAttribute("aria-label"));
    } else {
      var heading = precedingHeading(box);
      if (heading && heading.textContent.trim()) {
        box.setAttribute("aria-labelledby", idOf(heading));
      } else {
        box.setAttribute("aria-label", fallback);
      }
    }
  }

  function update(box) {
    // A box the template made a region itself is left as it is.
    if (box.hasAttribute("tabindex") && !box.hasAttribute("data-vw-region")) {
      return;
    }
    var overflow = getComputedStyle(box).overflowX;
    var scrolls = (overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth;
    if (scrolls && !box.hasAttribute("data-vw-region")) {
      box.setAttribute("data-vw-region", "");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      name(box);
    } else if (!scrolls && box.hasAttribute("data-vw-region") && box !== document.activeElement) {
      box.removeAttribute("data-vw-region");
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      if (box.hasAttribute("data-vw-named")) {
        box.removeAttribute("data-vw-named");
        box.removeAttribute("aria-labelledby");
        box.removeAttribute("aria-label");
      }
    }
  }

  var boxes = Array.prototype.slice.call(document.querySelectorAll(".table-responsive"));
  boxes.forEach(update);
  if ("ResizeObserver" in window) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { update(entry.target); });
    });
    boxes.forEach(function (box) { observer.observe(box); });
  } else {
    window.addEventListener("resize", function () { boxes.forEach(update); });
  }
})();
