#!/usr/bin/env bash
# Re-fetch the JavaScript the static book needs to work with no internet:
# require.js, the Jupyter widgets HTML manager, anywidget's AMD bundle and
# MathJax 3.  Everything comes from the npm registry with `npm pack` (no
# install, no build step) and is copied into book/_vendor/.
#
# Usage:   bash scripts/vendor_js.sh
# Then:    rebuild the book with `jupyter-book build --all .` (Sphinx does not
#          notice changed static files on an incremental build).
#
# The versions below are the ones book/_vendor/README.md documents.  The
# anywidget version must match the Python package (`pip show anywidget`):
# the widget state names the JavaScript module version it needs.
set -euo pipefail

REQUIREJS_VERSION=2.3.8
HTML_MANAGER_VERSION=1.0.15
ANYWIDGET_VERSION=0.11.0
MATHJAX_VERSION=3.2.2

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo/book/_vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent \
  "requirejs@$REQUIREJS_VERSION" \
  "@jupyter-widgets/html-manager@$HTML_MANAGER_VERSION" \
  "anywidget@$ANYWIDGET_VERSION" \
  "mathjax@$MATHJAX_VERSION" >/dev/null

unpack() {  # unpack <tarball> <folder>
  mkdir -p "$2"
  tar -xzf "$1" -C "$2"
}
unpack "requirejs-$REQUIREJS_VERSION.tgz" requirejs
unpack "jupyter-widgets-html-manager-$HTML_MANAGER_VERSION.tgz" html-manager
unpack "anywidget-$ANYWIDGET_VERSION.tgz" anywidget
unpack "mathjax-$MATHJAX_VERSION.tgz" mathjax

# Start from a clean copy of the vendored files (README.md, LICENSES/ and
# widgets-config.js are ours and stay).
rm -rf "$dest/html-manager" "$dest/anywidget" "$dest/mathjax" "$dest/require.js"
mkdir -p "$dest/html-manager/dist" "$dest/anywidget" "$dest/mathjax/output/chtml/fonts" \
         "$dest/mathjax/input/tex" "$dest/LICENSES"

# require.js: the AMD loader the widget manager expects on the page.
cp requirejs/package/require.js "$dest/require.js"

# The widget manager (defines @jupyter-widgets/base, controls, html-manager)
# and the icon fonts its stylesheet refers to (woff2 is enough for every
# current browser).  The fonts are fetched from the folder of the module
# "@jupyter-widgets/html-manager/dist/libembed-amd", which widgets-config.js
# maps to html-manager/dist/: keep embed-amd.js and the fonts together there.
cp html-manager/package/dist/embed-amd.js "$dest/html-manager/dist/"
cp html-manager/package/dist/*.woff2 "$dest/html-manager/dist/"
cp html-manager/package/dist/embed.js.LICENSE.txt "$dest/LICENSES/jupyter-widgets-bundled.txt"

# anywidget's front end, as an AMD module that requires @jupyter-widgets/base.
cp anywidget/package/dist/index.js "$dest/anywidget/index.js"
cp anywidget/package/LICENSE "$dest/LICENSES/anywidget.txt"

# MathJax 3: the combined TeX/MathML -> CommonHTML component, its fonts and
# the TeX extensions it loads on demand (\color, \boldsymbol, ...).
cp mathjax/package/es5/tex-mml-chtml.js "$dest/mathjax/"
cp -r mathjax/package/es5/output/chtml/fonts/woff-v2 "$dest/mathjax/output/chtml/fonts/"
cp -r mathjax/package/es5/input/tex/extensions "$dest/mathjax/input/tex/"
cp mathjax/package/LICENSE "$dest/LICENSES/mathjax.txt"

echo "Vendored into $dest:"
for f in require.js html-manager/dist/embed-amd.js anywidget/index.js mathjax/tex-mml-chtml.js; do
  printf '  %-34s sha256 %s\n' "$f" "$(sha256sum "$dest/$f" | cut -c1-16)"
done
du -sh "$dest"
