#!/usr/bin/env bash
# Fetch the front-end libraries from the npm registry and keep only their built files and licence
# under src/hocso/static/vendor/<name>-<version>/. An upgrade is: change a version here, run it,
# update the paths in templates/base.html, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=src/hocso/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() {  # name version files...
  local name=$1 version=$2; shift 2
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null && mkdir -p "$name" && tar -xzf "$name-$version.tgz" -C "$name")
  local out="$dest/$name-$version"
  rm -rf "$out" && mkdir -p "$out"
  for f in "$@"; do cp -r "$tmp/$name/package/$f" "$out/"; done  # a directory keeps its name
  cp "$tmp/$name/package/LICENSE"* "$out/" 2>/dev/null || true
}

fetch bootstrap 5.3.8 dist/css/bootstrap.min.css dist/js/bootstrap.bundle.min.js
fetch htmx.org 2.0.7 dist/htmx.min.js
# Math in questions and resources; the fonts directory sits beside the CSS that refers to it.
fetch katex 0.19.1 dist/katex.min.css dist/katex.min.js dist/contrib/auto-render.min.js dist/fonts
# The monitoring centre's charts (gauges, bars, lines); the full build, cached once per phone.
fetch echarts 6.1.0 dist/echarts.min.js
echo "vendored into $dest"
