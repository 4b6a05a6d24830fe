#!/usr/bin/env bash
# Vendor the chat page's JavaScript libraries into src/labgate/web/static/vendor/, so every
# asset is served by labgate (no CDN). Each package is fetched from the npm registry with
# `npm pack` at a pinned version and checked against a pinned sha256 of its tarball before
# anything is copied; the licence of each is copied beside it and listed in vendor/LICENSES.
# Re-run after changing a pin:  bash scripts/vendor-web.sh
# Check only (no network if the files are there):  bash scripts/vendor-web.sh --check
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=src/labgate/web/static/vendor

# name@version  sha256-of-tarball  licence
PINS=(
  "marked@12.0.2 6cfd2d09c6bce2541558a1547e5f3b9895ed743f0d287536ff2280e318e8a074 MIT"
  "dompurify@3.1.6 385981ebd0366fcce5313c1801019af737260ca29fe60d38a97f956d5ff1013a MPL-2.0-or-Apache-2.0"
  "@highlightjs/cdn-assets@11.10.0 5df5f63aad9acb3660d0d008cd68bdf5a6b7121816f517e2434d1e2f027b220f BSD-3-Clause"
  "katex@0.16.11 8c5494c5f7d8e8bf73ff3fe64d4bd09a340e4878b7eec9bbd9ef8d8f3e24193f MIT"
)
HLJS_LANGUAGES=(julia fortran latex)

if [[ "${1:-}" == "--check" ]]; then
  test -f "$DEST/LICENSES" && test -f "$DEST/SHA256SUMS" || { echo "vendor: not vendored"; exit 1; }
  (cd "$DEST" && sha256sum --quiet -c SHA256SUMS) && echo "vendor: files match SHA256SUMS"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$DEST"
mkdir -p "$DEST"
{
  echo "Third-party libraries served by labgate's web pages (vendored by scripts/vendor-web.sh"
  echo "from the npm registry; tarballs checked against pinned sha256 digests)."
  echo
} > "$DEST/LICENSES"

for pin in "${PINS[@]}"; do
  read -r spec sum licence <<< "$pin"
  (cd "$work" && npm pack --silent "$spec" > /dev/null)
  tarball=$(ls "$work"/*.tgz)
  echo "$sum  $tarball" | sha256sum --quiet -c - || { echo "sha256 mismatch for $spec"; exit 1; }
  mkdir "$work/x" && tar xzf "$tarball" -C "$work/x"
  p="$work/x/package"
  case "$spec" in
    marked@*)
      mkdir -p "$DEST/marked"; cp "$p/marked.min.js" "$DEST/marked/"; cp "$p/LICENSE.md" "$DEST/marked/LICENSE" ;;
    dompurify@*)
      mkdir -p "$DEST/dompurify"; cp "$p/dist/purify.min.js" "$p/LICENSE" "$DEST/dompurify/" ;;
    @highlightjs/*)
      mkdir -p "$DEST/highlight"
      cp "$p/highlight.min.js" "$p/LICENSE" "$p/styles/github.min.css" "$DEST/highlight/"
      for lang in "${HLJS_LANGUAGES[@]}"; do cp "$p/languages/$lang.min.js" "$DEST/highlight/"; done ;;
    katex@*)
      mkdir -p "$DEST/katex/fonts"
      cp "$p/dist/katex.min.js" "$p/dist/katex.min.css" "$p/LICENSE" "$DEST/katex/"
      cp "$p"/dist/fonts/*.woff2 "$DEST/katex/fonts/" ;;
  esac
  echo "$spec  licence $licence  tarball sha256 $sum" >> "$DEST/LICENSES"
  rm -rf "$work/x" "$tarball"
done

{
  echo
  echo "Each library's own licence text is in its folder (LICENSE)."
} >> "$DEST/LICENSES"
(cd "$DEST" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS)
echo "vendored into $DEST: $(du -sh "$DEST" | cut -f1)"
