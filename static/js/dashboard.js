/* Draws the server-built Plotly figures and turns clicks into drill-down filters.
 * No inline scripts: figures arrive as JSON <script type="application/json"> (Django json_script). */
(function () {
  "use strict";

  var NULL_TOKEN = "(none)";
  var SMALL_SCREEN = window.matchMedia("(max-width: 700px), (pointer: coarse)");

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
    var small = SMALL_SCREEN.matches;
    var layout = figure.layout;
    if (small) {
      // On a phone the data wins: no mode bar over the bars, and a swipe scrolls the page instead of zooming.
      layout.dragmode = false;
      Object.keys(layout).forEach(function (key) {
        if (/^[xy]axis\d*$/.test(key)) {
          layout[key].fixedrange = true;
        }
      });
    } else {
      // Room above the plot for the mode bar, so it never sits on the first bar's label.
      layout.margin = Object.assign({}, layout.margin, { t: Math.max((layout.margin || {}).t || 0, 30) });
    }
    var config = {
      responsive: true,
      displaylogo: false,
      displayModeBar: small ? false : "hover",
      scrollZoom: false,
      // Nothing in a chart may link or send data to another origin (Plotly Cloud / Chart Studio included).
      showLink: false,
      showSendToCloud: false,
      showEditInChartStudio: false,
      plotlyServerURL: "",
      linkText: "",
      modeBarButtonsToRemove: ["select2d", "lasso2d", "sendChartToCloud", "sendDataToCloud", "editInChartStudio"],
      toImageButtonOptions: { format: "png", filename: el.closest("[data-chart]").getAttribute("data-chart") },
      topojsonURL: document.body.getAttribute("data-topojson-url") || "/static/vendor/topojson/"
    };
    el.innerHTML = "";
    window.Plotly.newPlot(el, figure.data, layout, config).then(function () {
      el.classList.add("is-drawn");
      el.setAttribute("data-drawn", "true");
    });
    el.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      var query = point && drillQuery(point.customdata);
      if (query) {
        navigateWith(query);
      }
    });
  }

  function drillQuery(customdata) {
    // Bars hand over their customdata as a string; pie slices as an array (Plotly merges equal labels).
    var value = Array.isArray(customdata) ? customdata[0] : customdata;
    return typeof value === "string" && value ? value : null;
  }

  function whenPlotly(callback) {
    // The bundle is async in the head (it runs while the server still computes the page); when this script
    // runs first, draw once it has.
    var bundle = document.getElementById("plotly-bundle");
    if (typeof window.Plotly !== "undefined" || !bundle) {
      callback();
    } else {
      bundle.addEventListener("load", callback);
    }
  }

  function onScreenFirst(plots) {
    // The charts in the window first, each group in page order (sort is stable).
    var height = window.innerHeight;
    var items = Array.prototype.map.call(plots, function (el) {
      var box = el.getBoundingClientRect();
      return { el: el, later: box.bottom > 0 && box.top < height ? 0 : 1 };
    });
    items.sort(function (a, b) { return a.later - b.later; });
    return items.map(function (item) { return item.el; });
  }

  function drawInTurn(plots) {
    // One chart per frame, those on screen first: the first chart shows as soon as it is drawn instead of
    // after all of them, and the page stays responsive while the others follow.
    var queue = onScreenFirst(plots);
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
    whenPlotly(function () {
      drawInTurn(document.querySelectorAll(".plot[data-figure-id]"));
    });

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

    document.querySelectorAll(".js-range").forEach(function (range) {
      // Age from/to: selects every bucket between the two in the multi-select (its order is the buckets' order).
      var list = document.getElementById(range.getAttribute("data-for"));
      var from = range.querySelector(".js-range-from");
      var to = range.querySelector(".js-range-to");
      range.hidden = false;
      function apply() {
        if (!from.value || !to.value) {
          return;
        }
        var values = Array.prototype.map.call(list.options, function (option) { return option.value; });
        var low = Math.min(values.indexOf(from.value), values.indexOf(to.value));
        var high = Math.max(values.indexOf(from.value), values.indexOf(to.value));
        Array.prototype.forEach.call(list.options, function (option, index) {
          option.selected = index >= low && index <= high;
        });
      }
      from.addEventListener("change", apply);
      to.addEventListener("change", apply);
    });

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
  // data-init="now": the script sits after everything it enhances (the overview, streamed in parts, puts it
  // below its charts so they are drawn before the growth section arrives; growth.js draws that one).
  var script = document.currentScript;
  if (document.readyState === "loading" && !(script && script.getAttribute("data-init") === "now")) {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  window.ClubInsight = {
    NULL_TOKEN: NULL_TOKEN,
    navigateWith: navigateWith,
    draw: function (root) {
      whenPlotly(function () {
        drawInTurn(root.querySelectorAll(".plot[data-figure-id]"));
      });
    }
  };
})();
