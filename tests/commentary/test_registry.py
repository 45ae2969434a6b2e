"""The figures quoted in the prose of every chapter: seed counts, recomputed from the records (see quotes.py)."""
from __future__ import annotations




from tests.commentary.quotes import (REPO, assert_quotes)


# ---- seed counts stated in prose, against the registry of experiments

def _seed_counts() -> dict[str, int]:
    """Training seeds per learned method of the comparison (the densely evaluated runs are not seeds)."""
    from enhancelib.study.compare import LEARNED_METHODS
    return {m.key: sum(1 for r in m.runs if not r.startswith("dense-eval")) for m in LEARNED_METHODS}


def test_seed_counts_in_the_prose_match_the_registry():
    counts = _seed_counts()
    five = {key for key, n in counts.items() if n == 5}
    assert five == {"uegan", "uegan_charbonnier_se", "bncagan"}, f"methods with five seeds changed: {counts}"
    assert counts["uegan_charbonnier"] == 6, f"the Charbonnier variant has six: {counts}"
    assert all(n == 3 for key, n in counts.items() if key not in five | {"uegan_charbonnier"}), \
        f"the others have three: {counts}"
    readme = " ".join((REPO / "README.md").read_text().split())
    assert counts["glenet_paired"] == 3, f"the paired upper bound has three: {counts}"
    assert ("The learned methods have three seeds each (the paired GleNet, an upper bound, included); UEGAN's and "
            "BNCAGAN's full models and report 003's "
            "Charbonnier + SE variant of UEGAN have five, and its Charbonnier variant six") in readme
    assert_quotes("05_comparison.ipynb", "0cae62e0",
                  "UEGAN, report 003's Charbonnier + SE variant and BNCAGAN have five seeds, the Charbonnier variant "
                  "six, the other learned methods three, the paired GleNet (an upper bound) included")
    assert_quotes("02_glenet.ipynb", "training", "paired and unpaired GEN & LEN with three seeds each")
    assert_quotes("01_uegan.ipynb", "training", "the full model with seeds 0 to 4",
                  'six seeds of "Charbonnier" and five of "Charbonnier + SE"')
