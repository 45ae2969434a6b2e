"""Figures and widgets for the book.

:mod:`enhancelib.viz.slider` -- before/after comparison slider that works in
JupyterLab and in the static HTML book (no kernel, no internet).
"""
from enhancelib.viz.figures import (plot_dense_evaluations, plot_eval, plot_exposure_changes, plot_gain_by_need,
                                    plot_training, show_images)
from enhancelib.viz.slider import BeforeAfter, compare, compare_methods

__all__ = ["BeforeAfter", "compare", "compare_methods", "plot_dense_evaluations", "plot_eval", "plot_exposure_changes",
           "plot_gain_by_need", "plot_training", "show_images"]
