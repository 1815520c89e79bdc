#!/usr/bin/env bash
# refresh.sh fetches the third-party browser files the web UI serves, at the
# versions pinned below, from the npm registry (with `npm pack`, so no
# node_modules and no build), and writes each beside its licence (and its
# NOTICE, where the package has one) and a VERSION file. Run it after
# changing a pin, check the diff, commit the files: the server embeds them,
# so neither `go build` nor `go run` needs Node.
#
#   internal/http/web/static/vendor/refresh.sh
set -euo pipefail
cd "$(dirname "$0")"

# package  version  file-in-the-tarball  destination-directory
PINS=(
  "htmx.org 2.0.11 dist/htmx.min.js htmx"
  "echarts 5.6.0 dist/echarts.min.js echarts"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for pin in "${PINS[@]}"; do
  read -r pkg version file dest <<<"$pin"
  echo "vendoring $pkg@$version"
  tarball=$(cd "$work" && npm pack --silent "$pkg@$version")
  rm -rf "$work/package"
  tar -xzf "$work/$tarball" -C "$work"
  mkdir -p "$dest"
  cp "$work/package/$file" "$dest/$(basename "$file")"
  cp "$work/package/LICENSE" "$dest/LICENSE"
  if [ -f "$work/package/NOTICE" ]; then cp "$work/package/NOTICE" "$dest/NOTICE"; fi
  integrity=$(cd "$work" && npm view "$pkg@$version" dist.integrity)
  printf '%s %s\n%s\nsha256 %s  %s\n' "$pkg" "$version" "$integrity" \
    "$(sha256sum "$dest/$(basename "$file")" | cut -d' ' -f1)" "$(basename "$file")" >"$dest/VERSION"
done
