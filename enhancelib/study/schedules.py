"""The papers' training schedules beside the ``gpu`` preset's and, where it exists, the public code's.

Each paper's schedule is typed once here, as its text prints it (section or
page noted), and so is the public code's where one was released (see the
reference notes of the book). The ``gpu`` preset's values are read from the
recipes themselves (:attr:`paper_overrides`, options and learning-rate
schedule), so the table on the reproduce page cannot drift from the code.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Schedule", "PAPER_SCHEDULES", "PUBLIC_CODE_SCHEDULES", "DIFFERENCES", "schedule_table"]


@dataclass(frozen=True)
class Schedule:
    """How long and on what a model trains."""

    batch: int | None
    crop: str
    """Training crop as the source states it (``"512 -> 256"``: a 512 crop resized to 256)."""
    length: str
    """Epochs or mini-batches, as the source counts them."""
    learning_rate: str
    decay: str
    source: str


PAPER_SCHEDULES: dict[str, Schedule] = {
    "uegan": Schedule(10, "not stated", "150 epochs", "1e-4 (Adam)", "constant 75 epochs, then linear to 0",
                      "paper 001, Sec. IV-B"),
    "qagan": Schedule(12, "256 -> 128", "150 epochs", "1e-4, G and D", "linear to 0 from epoch 75",
                      "paper 000, Sec. 4.2"),
    "glenet_paired": Schedule(16, "not stated", "25,000 mini-batches", "1e-4 (Adam)", "none stated",
                              "paper 002, Sec. 4.1"),
    "glenet_unpaired": Schedule(8, "not stated", "5,000 (GEN) + 25,000 (LEN) mini-batches", "1e-4 (Adam)",
                                "halved every 10,000 mini-batches", "paper 002, Sec. 4.2"),
    "bncagan": Schedule(None, "not stated", "150 epochs", "1e-4", "constant 75 epochs, then to 0",
                        "paper 004, Sec. 4.1"),
}
"""Each paper's schedule as its text prints it."""

PUBLIC_CODE_SCHEDULES: dict[str, Schedule] = {
    "uegan": Schedule(10, "512 -> 256", "150 epochs", "G 1e-4, D 4e-4 (Adam, betas 0.5, 0.999)",
                      "linear to 0 over the second half", "public PyTorch code"),
    "bncagan": Schedule(8, "512 -> 256 (as UEGAN's code)", "150 epochs", "G 1e-4, D 4e-4",
                        "linear to 0 from epoch 75", "public PyTorch code"),
}
"""The released code's schedule (QAGAN released none; GleNet released generators only)."""

DIFFERENCES: dict[str, str] = {
    "uegan": "the discriminator's rate (4e-4) and the 512 -> 256 crop follow the public code; the paper gives "
             "one rate and no crop",
    "qagan": "none (no public code to compare with)",
    "glenet_paired": "the 512 -> 256 crop is ours (the paper states none; GEN resizes its input to 256 anyway)",
    "glenet_unpaired": "the rate decays linearly from a third of the run instead of halving every 10,000 "
                       "mini-batches; stage 1 keeps the paper's 5,000 of 30,000 steps",
    "bncagan": "batch 8 and the crop follow the public code; the paper states neither",
}
"""Every difference between the gpu preset and the paper's text, named."""

_RECIPES = {"uegan": "uegan", "qagan": "qagan", "glenet_paired": "glenet_paired",
            "glenet_unpaired": "glenet_unpaired", "bncagan": "bncagan"}
_EPOCH_PHOTOS = {"glenet_paired": 4500}
"""Photos in one FiveK epoch: 2,250 low-quality ones for the unpaired recipes, 4,500 pairs for paired GleNet."""


def _ours(key: str) -> dict[str, str]:
    from enhancelib.config import resolve_preset
    from enhancelib.recipes import get_recipe

    cls = get_recipe(_RECIPES[key])
    preset = resolve_preset("gpu", paper_overrides=cls.paper_overrides)
    options = cls.options_type()
    rates = [f"{name.removeprefix('lr_').upper() if name != 'lr' else ''} {getattr(options, name):g}".strip()
             for name in ("lr", "lr_g", "lr_d") if hasattr(options, name)]
    decay = ("none" if cls.lr_decay_start is None else
             f"constant, then linear to 0 from {cls.lr_decay_start:.0%} of the steps")
    photos = _EPOCH_PHOTOS.get(key, 2250)
    epochs = preset.max_steps * preset.batch_size / photos
    return {"batch": str(preset.batch_size), "crop": f"{preset.crop} -> {preset.train_size}",
            "length": f"{preset.max_steps:,} steps (= {epochs:.0f} epochs of {photos:,} FiveK photos)",
            "learning rate": ", ".join(rates), "decay": decay}


def schedule_table() -> pd.DataFrame:
    """One row per (paper, source): the paper's text, the public code where there is one, and the gpu preset."""
    rows = []
    for key in _RECIPES:
        for source, schedule in (("paper", PAPER_SCHEDULES.get(key)), ("public code", PUBLIC_CODE_SCHEDULES.get(key))):
            if schedule is not None:
                rows.append({"model": key, "source": f"{source} ({schedule.source})",
                             "batch": "not stated" if schedule.batch is None else str(schedule.batch),
                             "crop": schedule.crop, "length": schedule.length,
                             "learning rate": schedule.learning_rate, "decay": schedule.decay})
        rows.append({"model": key, "source": "this book, gpu preset", **_ours(key),
                     "differences from the paper": DIFFERENCES[key]})
    return pd.DataFrame(rows).fillna("")
