// The Plotly bundle of the dashboards: plotly.js's core (scatter, every component) plus the trace types the
// pages draw. This is what plotly.js's own `npm run custom-bundle -- --traces ...` generates as its entry
// (lib/core + lib/<trace>), built with the same esbuild options (scripts/build_plotly_bundle.sh).
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/pie'),
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/scattergeo'),
    require('plotly.js/lib/heatmap')
]);

module.exports = Plotly;
