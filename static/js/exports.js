// Exports page: polls the status endpoint while any export is pending or running and updates each row's
// status, progress bar, row count, size and buttons in place. Without JavaScript the page still works (reload).
(function () {
  "use strict";
  // The start form: a report's options (its aggregations, intervals and filter fields, and the interval/window
  // controls only for a report whose result type takes them) come from data attributes the form renders from
  // the report declarations; the server validates whatever is sent either way.
  var reportSelect = document.getElementById("id_report");
  function chosen() { return reportSelect.options[reportSelect.selectedIndex]; }
  function words(element, name) { return (element.getAttribute(name) || "").split(" "); }
  function limit(select, allowed) {
    if (!select) { return; }
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = !allowed(option);
      option.disabled = option.hidden;
    });
    if (select.selectedOptions[0] && select.selectedOptions[0].hidden) { select.value = select.options[0].value; }
  }
  function showReport() {
    var option = chosen(), name = option.value;
    var intervals = words(option, "data-intervals");
    limit(document.getElementById("id_what"), function (o) { return words(o, "data-reports").indexOf(name) >= 0; });
    limit(document.getElementById("id_filter_field"), function (o) {
      return !o.value || words(o, "data-reports").indexOf(name) >= 0;
    });
    limit(document.getElementById("id_interval"), function (o) { return intervals.indexOf(o.value) >= 0; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-needs-key]"), function (element) {
      element.hidden = words(option, "data-keys").indexOf(element.getAttribute("data-needs-key")) < 0;
    });
  }
  if (reportSelect) {
    reportSelect.addEventListener("change", showReport);
    showReport();
  }

  var table = document.querySelector(".export-table");
  if (!table) { return; }
  var statusUrl = table.getAttribute("data-status-url");
  var ACTIVE = { pending: true, running: true };
  var INTERVAL_MS = 1000;

  function rows() { return Array.prototype.slice.call(table.querySelectorAll(".export-row")); }
  function anyActive() { return rows().some(function (row) { return ACTIVE[row.getAttribute("data-status")]; }); }

  function size(bytes) {
    if (bytes === null || bytes === undefined) { return ""; }
    var units = ["bytes", "KB", "MB", "GB", "TB"], value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit === 0 ? value : value.toFixed(1)) + " " + units[unit];
  }

  function count(value) { return Number(value).toLocaleString("en-US"); }
  function percent(progress) { return Math.round(progress * 100) + "%"; }

  function field(row, name) { return row.querySelector('[data-field="' + name + '"]'); }
  function action(row, name) { return row.querySelector('[data-action="' + name + '"]'); }

  function update(row, state) {
    row.setAttribute("data-status", state.status);
    var status = field(row, "status");
    var shown = state.status === "succeeded" && !state.downloadable ? "expired" : state.status;
    status.textContent = shown;
    status.className = "export-status status-" + shown;
    field(row, "error").textContent = state.error || "";
    field(row, "notice").textContent = state.notice || "";
    var bar = field(row, "progress");
    bar.value = state.progress;
    bar.textContent = percent(state.progress);
    field(row, "percent").textContent = percent(state.progress);
    field(row, "rows").textContent = count(state.rows_done) + (state.rows_total === null ? "" : " / " + count(state.rows_total));
    field(row, "size").textContent = state.downloadable ? size(state.size_bytes) : "";
    action(row, "download").hidden = !state.downloadable;
    action(row, "cancel").hidden = !ACTIVE[state.status];
    action(row, "delete").hidden = !!ACTIVE[state.status];
  }

  function poll() {
    if (!anyActive()) { return; }
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (payload) {
        if (payload) {
          var byId = {};
          payload.exports.forEach(function (state) { byId[state.id] = state; });
          rows().forEach(function (row) {
            var state = byId[row.getAttribute("data-export-id")];
            if (state) { update(row, state); }
          });
        }
      })
      .catch(function () { /* a failed poll is retried on the next tick */ })
      .then(function () { window.setTimeout(poll, INTERVAL_MS); });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
