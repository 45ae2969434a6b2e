/*
 * Point require.js at the vendored widget code so that the widgets embedded
 * in the static pages render with no internet.  Loaded right after
 * require.js and before embed-amd.js (see nb_ipywidgets_js in _config.yml).
 * Paths are computed from this script's own URL, so the same file works on
 * pages at any depth of the site.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (!here || typeof window.requirejs === "undefined") {
    return;
  }
  var base = here.split("?")[0].replace(/[^/]*$/, "");
  var dist = base + "html-manager/dist/";
  window.requirejs.config({
    paths: {
      // anywidget's front end (an AMD module needing @jupyter-widgets/base).
      "anywidget": base + "anywidget/index",
      // embed-amd.js defines these itself when its <script> runs; the paths
      // only matter if one of them is requested before that.
      "@jupyter-widgets/base": dist + "embed-amd",
      "@jupyter-widgets/controls": dist + "embed-amd",
      "@jupyter-widgets/html-manager": dist + "embed-amd",
      // The widget manager fetches its icon fonts from the folder of this
      // module's URL: make that the folder holding the vendored fonts.
      "@jupyter-widgets/html-manager/dist/libembed-amd": dist + "libembed-amd"
    }
  });
  window.__jupyter_widgets_assets_path__ = dist;
})();
