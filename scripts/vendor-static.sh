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
  for f in "$@"; do cp "$tmp/$name/package/$f" "$out/"; done
  cp "$tmp/$name/package/LICENSE"* "$out/" 2>/dev/null || true
}

fetch bootstrap 5.3.8 dist/css/bootstrap.min.css dist/js/bootstrap.bundle.min.js
fetch htmx.org 2.0.7 dist/htmx.min.js
echo "vendored into $dest"
