/* The growth section's period picker: show the custom dates only for a custom period, and keep defaults and
 * empty fields out of the shared URL. The form works without this script (plain GET). */
(function () {
  "use strict";

  function init() {
    // The growth section arrives last on the overview (streamed after its charts, which dashboard.js drew).
    var section = document.getElementById("growth");
    if (section && window.ClubInsight) {
      window.ClubInsight.draw(section);
    }
    var form = document.querySelector(".js-period-form");
    if (!form) {
      return;
    }
    var period = form.querySelector(".js-period");
    function sync() {
      form.classList.toggle("is-custom", period.value === "custom");
    }
    form.classList.add("is-enhanced");
    sync();
    period.addEventListener("change", sync);
    form.addEventListener("submit", function () {
      var custom = period.value === "custom";
      form.querySelectorAll("select, input").forEach(function (field) {
        var isDate = field.name === "from" || field.name === "to";
        if (field.value === "" || (isDate && !custom) ||
            (field.name === "period" && field.value === form.dataset.defaultPeriod) ||
            (field.name === "interval" && field.value === form.dataset.defaultInterval)) {
          field.disabled = true;
        }
      });
      document.body.classList.add("is-loading");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
