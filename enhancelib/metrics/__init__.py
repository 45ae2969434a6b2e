"""Image quality metrics and test-set evaluation.

Full-reference fidelity (:mod:`~enhancelib.metrics.fidelity`): :func:`psnr`,
:func:`ssim`, :func:`mean_over_images`, each with the correct definition by
default and ``quirks="public"`` for the papers' evaluation scripts.
No-reference quality (:mod:`~enhancelib.metrics.noref`): :func:`niqe` with
the official pristine model, :func:`nima` only with user-supplied weights.
Evaluation (:mod:`~enhancelib.metrics.evaluate`): :func:`evaluate_pairs`,
:func:`summarise`.  Statistics over runs live in :mod:`enhancelib.study.statistics`.
"""
from enhancelib.metrics.evaluate import evaluate_pairs, summarise
from enhancelib.metrics.fidelity import mean_over_images, psnr, ssim
from enhancelib.metrics.noref import nima, niqe

__all__ = ["psnr", "ssim", "niqe", "nima", "evaluate_pairs", "summarise", "mean_over_images"]
