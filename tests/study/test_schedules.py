"""The schedule table reads the gpu preset from the recipes and names a difference for every model."""
from __future__ import annotations

from enhancelib.recipes.bncagan import BNCAGAN_PAPER_STEPS
from enhancelib.recipes.qagan import QAGAN_PAPER_STEPS
from enhancelib.recipes.uegan import UEGAN_PAPER_STEPS
from enhancelib.study.schedules import DIFFERENCES, PAPER_SCHEDULES, schedule_table


def test_every_model_has_its_paper_row_and_a_gpu_row_from_the_recipe():
    table = schedule_table()
    assert set(table["model"]) == set(PAPER_SCHEDULES) == set(DIFFERENCES)
    ours = table[table["source"] == "this book, gpu preset"].set_index("model")
    assert ours.loc["uegan", "length"].startswith(f"{UEGAN_PAPER_STEPS:,} steps (= 150 epochs")
    assert ours.loc["qagan", "length"].startswith(f"{QAGAN_PAPER_STEPS:,} steps (= 150 epochs")
    assert ours.loc["bncagan", "length"].startswith(f"{BNCAGAN_PAPER_STEPS:,} steps (= 150 epochs")
    assert ours.loc["qagan", "crop"] == "256 -> 128" and ours.loc["uegan", "batch"] == "10"
    assert (ours["differences from the paper"] != "").all()
