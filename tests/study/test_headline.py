"""The headline table on the front page and in the README is what the records give, and its sentences hold."""
from __future__ import annotations


import pytest

from enhancelib.paths import REPO_ROOT
from enhancelib.study.headline import headline_markdown, headline_rows


@pytest.fixture(scope="module")
def rows():
    return {row.label.split(" (")[0]: row for row in headline_rows()}


@pytest.mark.parametrize("page", ["README.md", "book/intro.md"])
def test_the_pages_show_the_table_the_records_give(page):
    assert headline_markdown() in (REPO_ROOT / page).read_text(encoding="utf-8")
    assert (REPO_ROOT / "book" / "figures" / "headline.jpg").is_file()


def test_the_sentences_under_the_table_hold(rows):
    best = next(row for label, row in rows.items() if label not in {"UEGAN", "GleNet", "QAGAN", "BNCAGAN",
                                                                       "GleNet paired", "input"})
    unpaired = [rows[k] for k in ("UEGAN", "GleNet", "QAGAN", "BNCAGAN")]
    # "no unpaired GAN comes near its paper": each is more than 3 dB below its printed FiveK PSNR
    assert all(r.paper_psnr - r.psnr > 3 for r in unpaired)
    # "UEGAN and BNCAGAN end level with autocontrast": within the larger of their seed std
    for r in (rows["UEGAN"], rows["BNCAGAN"]):
        assert abs(r.psnr - best.psnr) < r.psnr_seed_std
    # "GleNet and QAGAN below the unenhanced input"
    assert rows["GleNet"].psnr < rows["input"].psnr and rows["QAGAN"].psnr < rows["input"].psnr
    # "the same GleNet trained on pairs gains most"
    assert rows["GleNet paired"].psnr == max(r.psnr for r in rows.values())
    # "on the flat render every learned model gains less than autocontrast"
    assert all(r.flat_psnr < best.flat_psnr for r in [*unpaired, rows["GleNet paired"]])


def _recorded(model: str):
    """The recorded model's scores on the three test sets, one row per set."""
    from enhancelib import PRETRAINED
    from enhancelib.study.test_sets import run_test_set_scores, summarise_test_sets

    return summarise_test_sets(run_test_set_scores(REPO_ROOT / "data" / "runs" / PRETRAINED[model], progress=False))


def _operators():
    from enhancelib.study.test_sets import operator_test_set_scores, summarise_test_sets

    return summarise_test_sets(operator_test_set_scores(progress=False), by="method")


def _page_text(page: str) -> str:
    return " ".join((REPO_ROOT / page).read_text(encoding="utf-8").split())


@pytest.mark.parametrize("page", ["README.md", "book/intro.md"])
def test_the_longer_uegan_sentence_quotes_its_record(page, rows):
    scores = _recorded("uegan_longer")
    test, flat = scores.loc["test", "psnr"], scores.loc["flat", "psnr"]
    text = _page_text(page)
    assert f"reaches {test:.2f} dB on the test split and {flat:.2f} dB on the flat render" in text
    auto = next(row for label, row in rows.items() if label.startswith("autocontrast"))
    assert test > auto.psnr and flat > auto.flat_psnr                                     # "above autocontrast on both"


@pytest.mark.parametrize("page", ["README.md", "book/intro.md"])
def test_the_longer_bncagan_sentence_quotes_its_record(page):
    variant, recipe, operators = _recorded("bncagan_longer"), _recorded("bncagan"), _operators()
    auto, source = operators.loc["autocontrast"], operators.loc["input"]
    text = _page_text(page)
    edit, auto_edit = variant.loc["identity", "change"], auto.loc["identity", "change"]
    gain = variant.loc["test", "psnr"] - source.loc["test", "psnr"]
    assert (f"edits good photos by {edit:.1f} levels, less than autocontrast's {auto_edit:.1f}" in text
            and edit < auto_edit)
    assert variant.loc["flat", "ssim"] >= source.loc["flat", "ssim"]                 # "keeps the input's SSIM"
    assert f"it gains only {gain:.2f} dB on the test split" in text
    assert variant.loc["test", "psnr"] < recipe.loc["test", "psnr"]                 # "less than BNCAGAN's recipe"


@pytest.mark.parametrize("page", ["README.md", "book/intro.md"])
def test_the_longer_qagan_sentence_quotes_its_record(page):
    variant, source = _recorded("qagan_longer"), _operators().loc["input"]
    text = _page_text(page)
    assert f"edits good photos by {variant.loc['identity', 'change']:.1f} levels and stays below the input" in text
    assert variant.loc["flat", "ssim"] >= source.loc["flat", "ssim"]                 # "keeps the input's SSIM"
    assert variant.loc["test", "psnr"] < source.loc["test", "psnr"]                   # "below the input on the test split"
