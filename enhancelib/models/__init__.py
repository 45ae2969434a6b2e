"""The papers' networks, each composed from :mod:`enhancelib.nn` building blocks,
and the classical baselines (:mod:`enhancelib.models.classical`)."""
