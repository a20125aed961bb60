#!/usr/bin/env bash
# Rebuilds static/vendor/plotly-custom.min.js from the plotly.js npm package, reproducibly:
#   * inputs pinned in scripts/plotly-bundle/ (package.json + package-lock.json, exact versions with integrity
#     hashes; plotly.js at the version plotly.py bundles, checked below), installed with `npm ci` in a temp dir;
#   * the entry scripts/plotly-bundle/entry.js (plotly.js's core + the trace types the pages draw);
#   * esbuild with plotly.js's own build options (iife, global `Plotly`, es2016, global=window, minified).
# Writes the bundle and its SHA-256 (scripts/plotly-bundle/plotly-custom.min.js.sha256, not a served file). `--check` rebuilds into the
# temp dir and fails unless the result is byte-identical to the checked-in file (no hand edits).
# Needs node + npm and the npm registry; the app and its tests need neither (the bundle is checked in).
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=scripts/plotly-bundle
out=static/vendor/plotly-custom.min.js
sum=$inputs/plotly-custom.min.js.sha256
mode=${1:-build}

want=$(node -p "require('./$inputs/package.json').devDependencies['plotly.js']")
python=${PYTHON:-.venv/bin/python}
bundled=$("$python" -c "import plotly, pathlib; p = pathlib.Path(plotly.__file__).parent / 'package_data/plotly.min.js'; print(p.read_text()[:200])" | sed -n 's/.*plotly.js v\([0-9.]*\).*/\1/p' | head -1)
if [ "$bundled" != "$want" ]; then
  echo "plotly.py bundles plotly.js $bundled but $inputs/package.json pins $want: update the pin (and the lock)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$inputs/package.json" "$inputs/package-lock.json" "$inputs/entry.js" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
esbuild_version=$(node -p "require('$work/node_modules/esbuild/package.json').version")
(cd "$work" && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --target=es2016 --define:global=window --define:define.amd=false --legal-comments=none \
  --log-level=error --outfile=bundle.js)
# esbuild writes the maplibre CSS that plotly.js's registry imports for `map` traces to bundle.css; no page
# draws a `map` trace, so it is not used.
{
  printf '/**\n* plotly.js v%s (custom bundle: core, bar, pie, scatter, scattergeo, heatmap)\n' "$want"
  printf '* Built by scripts/build_plotly_bundle.sh with esbuild %s; do not edit.\n' "$esbuild_version"
  printf '* Copyright 2012-2026, Plotly, Inc. All rights reserved. Licensed under the MIT license\n*/\n'
  cat "$work/bundle.js"
} > "$work/plotly-custom.min.js"

if [ "$mode" = "--check" ]; then
  if cmp -s "$work/plotly-custom.min.js" "$out" && (cd static/vendor && sha256sum -c --quiet "../../$sum"); then
    echo "$out is the reproducible build of plotly.js $want"
  else
    echo "$out differs from a fresh build of $inputs" >&2
    exit 1
  fi
else
  cp "$work/plotly-custom.min.js" "$out"
  (cd static/vendor && sha256sum plotly-custom.min.js) > "$sum"
  echo "wrote $out ($(wc -c < "$out") bytes), sha256 $(cut -d' ' -f1 "$sum")"
fi
