/* Draws the server-built Plotly figures and turns clicks into drill-down filters.
 * No inline scripts: figures arrive as JSON <script type="application/json"> (Django json_script). */
(function () {
  "use strict";

  var NULL_TOKEN = "(none)";

  function busy() {
    document.body.classList.add("is-loading");
  }

  function navigateWith(query) {
    // A drill-down replaces any earlier value of the same parameter, keeps every other one.
    var url = new URL(window.location.href);
    new URLSearchParams(query).forEach(function (value, name) {
      url.searchParams.set(name, value);
    });
    if (url.href !== window.location.href) {
      busy();
      window.location.assign(url.href);
    }
  }

  function drawFigure(el) {
    var source = document.getElementById(el.getAttribute("data-figure-id"));
    if (!source || typeof window.Plotly === "undefined") {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var config = {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"],
      topojsonURL: document.body.getAttribute("data-topojson-url") || "/static/vendor/topojson/"
    };
    el.innerHTML = "";
    window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
      el.classList.add("is-drawn");
      el.setAttribute("data-drawn", "true");
    });
    el.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (point && typeof point.customdata === "string" && point.customdata) {
        navigateWith(point.customdata);
      }
    });
  }

  function drawInTurn(plots) {
    // One chart per frame, in page order: the first chart shows as soon as it is drawn instead of after
    // all of them, and the page stays responsive while the others follow.
    var queue = Array.prototype.slice.call(plots);
    (function next() {
      var el = queue.shift();
      if (el) {
        drawFigure(el);
        window.requestAnimationFrame(function () {
          window.setTimeout(next, 0);
        });
      }
    })();
  }

  function init() {
    drawInTurn(document.querySelectorAll(".plot[data-figure-id]"));

    var switcher = document.querySelector(".js-club-switcher");
    if (switcher) {
      switcher.classList.add("is-enhanced");
      switcher.querySelector("select").addEventListener("change", function () {
        if (this.value) {
          busy();
          switcher.submit();
        }
      });
    }

    var form = document.querySelector(".js-filter-form");
    if (form) {
      form.addEventListener("submit", function () {
        // Untouched pickers would put empty parameters in the shared URL; leave them out.
        form.querySelectorAll("select, input").forEach(function (field) {
          if (field.name && field.value === "") {
            field.disabled = true;
          }
        });
        busy();
      });
    }
    document.querySelectorAll(".chip a, .tile[href]").forEach(function (link) {
      link.addEventListener("click", busy);
    });
  }

  window.addEventListener("pageshow", function () {
    document.body.classList.remove("is-loading");
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  window.ClubInsight = { NULL_TOKEN: NULL_TOKEN, navigateWith: navigateWith };
})();
