"""Gradient of each loss term on the enhancer's weights, from a recorded run's training checkpoint.

For a run of ``enhancelib/study/experiments.py`` whose full training checkpoint
(``checkpoint.pt``, written while it trains and not part of the repository)
is on disk, this loads every network of the run as it was at its last step,
draws ``--batches`` mini-batches of the run's training data the way the
engine does (its preset's batch size and crops), and prints, per term of the
generators' loss, the mean over batches of its value and of the norm of its
weighted gradient with respect to the enhancer's trainable weights
(:mod:`enhancelib.study.term_gradients`).  ``--record`` also writes the
table to ``term_gradients.json`` in the run's folder, where the chapters
read it.

Supported recipes: ``glenet_unpaired`` (the enhancer is G_e, the terms are
those of stage 1; a finished two-stage run's checkpoint holds G_e and the
critics as they were when stage 1 ended) and ``qagan`` (the enhancer is
E + G_H).

    python scripts/term_gradients.py glenet unpaired-seed1 [--checkpoint PATH] [--batches 8] [--preset cpu] [--record]

The run must first be recorded on this machine (``python -m enhancelib plan
--chapter CHAPTER --only NAME --record`` keeps its ``checkpoint.pt``).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from enhancelib.runtime import configure  # noqa: E402

configure()  # passive OpenMP waiting and flush-to-zero, before torch is imported

import torch  # noqa: E402

from enhancelib.study.term_gradients import TERM_GRADIENTS_FILE, recipe_term_gradients  # noqa: E402

SUPPORTED = {"glenet_unpaired": "G_e", "qagan": "E + G_H"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapter")
    parser.add_argument("name", help="a run of the chapter, e.g. unpaired-seed1")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="the run's checkpoint.pt (default: data/runs/CHAPTER/NAME/checkpoint.pt)")
    parser.add_argument("--batches", type=int, default=8, help="mini-batches to average over (default 8)")
    parser.add_argument("--seed", type=int, default=1234, help="seed of the batch sampler (default 1234)")
    parser.add_argument("--preset", default="cpu", help="the preset the run was recorded with (default cpu)")
    parser.add_argument("--record", action="store_true", help="write term_gradients.json into the run's folder")
    args = parser.parse_args(argv)

    from enhancelib.data import load_data
    from enhancelib.nn.vgg import load_vgg
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.experiments import experiment
    from enhancelib.train.checkpoint import load_checkpoint
    from enhancelib.train.provenance import git_commit
    from enhancelib.train.runs import same_config

    if args.batches < 1:
        parser.error("--batches must be at least 1")
    try:
        item = experiment(args.chapter, args.name)
    except (KeyError, ValueError) as error:
        parser.error(str(error))
    spec = item.spec(args.preset)
    if spec.recipe not in SUPPORTED:
        parser.error(f"{args.chapter}/{args.name} uses recipe {spec.recipe!r}; supported: {sorted(SUPPORTED)}")
    run_dir = RUNS_DIR / args.chapter / args.name
    path = args.checkpoint or run_dir / "checkpoint.pt"
    if not path.is_file():
        parser.error(f"no checkpoint at {path}: record the run on this machine first "
                     f"(python -m enhancelib plan --chapter {args.chapter} --only {args.name} --record)")
    state = load_checkpoint(path)
    if not same_config(state.get("config", {}), spec):
        parser.error(f"{path} belongs to another configuration than {args.chapter}/{args.name}")

    torch.set_num_threads(2)
    preset = spec.resolved_preset()
    recipe_cls = spec.recipe_class()
    backbone = load_vgg(spec.backbone) if recipe_cls.uses_backbone else None
    recipe = recipe_cls(preset, torch.device("cpu"), spec.options, backbone)
    recipe.load_state_dict(state["recipe"])
    recipe.train(True)
    data_args = dict(spec.data)
    data = load_data(data_args.pop("source", "benchmark"), preset, paired=recipe_cls.needs_pairs, **data_args)
    sampler = torch.Generator().manual_seed(args.seed)
    batches = [data.train.sample(preset.batch_size, sampler) for _ in range(args.batches)]

    # a run without the enhancer's identity term gets it as a probe of weight 0: how far the enhancer moves
    # photos that are already of high quality, and how hard the term would pull at weight 1
    if spec.recipe == "glenet_unpaired":
        enhancer, critics = recipe.G_e, [recipe.D_e] + ([recipe.D_d] if hasattr(recipe, "D_d") else [])
        probe_name, probe = "g_e_hq_identity", lambda high: recipe.identity(recipe.G_e(high), high)
    else:
        enhancer, critics = recipe.generator(), [recipe.d_high, recipe.d_low]
        probe_name, probe = "g_identity", lambda high: recipe.identity(recipe.generator()(high), high)

    def terms_of(low: torch.Tensor, high: torch.Tensor) -> dict:
        out = recipe.generator_terms(low, high)
        terms = dict(out[0] if isinstance(out, tuple) else out)
        terms.setdefault(probe_name, (0.0, probe(high)))
        return terms

    def freeze(flag: bool) -> None:
        for critic in critics:
            critic.requires_grad_(flag)

    table = recipe_term_gradients(terms_of, enhancer, batches, freeze)
    step = int(state.get("step", -1))
    print(f"{args.chapter}/{args.name}: checkpoint at step {step}; enhancer {SUPPORTED[spec.recipe]}; "
          f"{args.batches} mini-batches of {preset.batch_size} x {preset.train_size} px (sampler seed {args.seed})")
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    if args.record:
        commit = git_commit()
        out = {"run": f"{args.chapter}/{args.name}", "checkpoint_step": step, "enhancer": SUPPORTED[spec.recipe],
               "batches": args.batches, "batch_size": preset.batch_size, "train_size": preset.train_size,
               "sampler_seed": args.seed, "commit": commit["commit"],
               "enhancelib_modified": commit["enhancelib_modified"],
               "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "command": f"python scripts/term_gradients.py {args.chapter} {args.name} --batches {args.batches} --record",
               "terms": {term: {k: (None if v != v else float(v)) for k, v in row.items()}
                         for term, row in table.to_dict(orient="index").items()}}
        target = run_dir / TERM_GRADIENTS_FILE
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(out, indent=2) + "\n")
        tmp.replace(target)
        print(f"written {target.relative_to(REPO) if target.is_relative_to(REPO) else target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
