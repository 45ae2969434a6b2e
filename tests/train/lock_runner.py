"""``python -m enhancelib`` with a tiny unpaired recipe whose steps can be slowed down, for tests of run locks.

``TINY_STEP_SECONDS`` (environment) makes every training step sleep that long, so that a test can
start a second writer while the first is training; it is not part of the run's configuration, so the
same command resumes the run at full speed.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from tiny_recipe import TinyRecipe  # noqa: E402

from enhancelib.recipes import register_recipe  # noqa: E402


class SlowTinyRecipe(TinyRecipe):
    name = "tiny_slow"
    needs_pairs = False

    def train_step(self, batch, step):
        time.sleep(float(os.environ.get("TINY_STEP_SECONDS", "0")))
        return super().train_step({**batch, "low_target": batch["high"]}, step)


register_recipe("tiny_slow", SlowTinyRecipe)

if __name__ == "__main__":
    from enhancelib.__main__ import main

    sys.exit(main(sys.argv[1:]))
