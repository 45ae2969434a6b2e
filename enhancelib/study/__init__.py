"""Everything that turns recorded runs into results: the registry of runs, statistics, tables and sentences.

``experiments``        every recorded run the book shows, in one table (``python -m enhancelib plan``)
``baselines``          the recorded evaluation of the input and the classical operators on the test split
``statistics``         the run statistics: photo by photo (Wilcoxon) and seed by seed (Welch)
``compare``            all methods side by side: runs, seed statistics, paper claims, failure cases, cost
``seed_groups``        a variant's seeds against a reference recipe's, and validation-chosen weights, as sentences
``against_operators``  learned runs against the classical operators, over runs and over photos
``adaptivity``         whether a method adapts its correction to each photo: needed vs applied exposure change
``tone_errors``        what an enhanced photo got wrong globally: brightness, saturation, colour balance
``term_gradients``     which loss term drives the enhancer: each term's gradient norm on its weights
``speed_records``      the recorded speed benchmarks, read for the chapters (nothing is timed here)
``chapter``            the chapters' helpers: parameters and preset, recorded runs, provenance, ``show_source``
``test_sets``          scores and tone levels of every method on the three test sets
``haze``               probes of the haze: what in a recipe lets an output's blacks lift and its contrast fall

Layering: ``study`` reads records of ``train``, scores with ``metrics`` on ``data``, enhances with
``inference`` and the classical operators of ``models``; ``train`` never imports ``study``.
"""
