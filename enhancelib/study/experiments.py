"""Every recorded run the book shows, in one table.

Each entry names a run folder ``data/runs/<chapter>/<name>`` and the recipe,
options and seed that make it; chapters look their runs up here, and

    python -m enhancelib plan --chapter uegan            # list, with what is recorded
    python -m enhancelib plan --chapter uegan --record   # train what is missing

records the missing ones on the ``cpu`` preset. Ablation rows use one seed;
main models use three, so that each table can state its seed noise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from enhancelib.config import resolve_preset
from enhancelib.train.spec import RunSpec

__all__ = ["Experiment", "EXPERIMENTS", "experiment", "chapter_experiments"]


@dataclass(frozen=True)
class Experiment:
    chapter: str
    name: str
    recipe: str
    seed: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)
    keep_weights: bool = False
    label: str = ""
    """How tables call the row (e.g. the paper's row name)."""
    cpu_options: Mapping[str, Any] = field(default_factory=dict)
    """Options used on the ``cpu`` and ``smoke`` presets only, where the paper's
    setting would leave too few steps in the budget (the ``gpu`` preset keeps
    the paper's values)."""

    preset_overrides: Mapping[str, Any] = field(default_factory=dict)
    """Preset fields this run changes on every preset (e.g. ``{"amp": True}``)."""

    budget_scale: float = 1.0
    """Multiplies the preset's CPU budget where it has one (``cpu``); presets
    that stop by step count (``smoke``, ``gpu``) are unchanged."""

    def spec(self, preset: str = "cpu", seed: int | None = None) -> RunSpec:
        options = dict(self.options)
        if preset != "gpu":
            options.update(self.cpu_options)
        overrides = dict(self.preset_overrides)
        budget = resolve_preset(preset).budget_cpu_seconds
        if self.budget_scale != 1.0 and budget:
            overrides["budget_cpu_seconds"] = budget * self.budget_scale
        return RunSpec(recipe=self.recipe, preset=preset, seed=self.seed if seed is None else seed,
                       options=options, preset_overrides=overrides)


def _seeds(chapter: str, name: str, recipe: str, label: str, options: Mapping[str, Any] | None = None,
           seeds: tuple[int, ...] = (0, 1, 2), cpu_options: Mapping[str, Any] | None = None,
           keep_seed0_weights: bool = True, preset_overrides: Mapping[str, Any] | None = None) -> list[Experiment]:
    return [Experiment(chapter, f"{name}-seed{s}", recipe, s, dict(options or {}),
                       keep_weights=keep_seed0_weights and s == 0,
                       label=label, cpu_options=dict(cpu_options or {}),
                       preset_overrides=dict(preset_overrides or {})) for s in seeds]


# GleNet's unpaired scheme at the paper's setting (critics and GEN at 256 px, 5 critic steps per
# generator step, stage 1 = 1/6 of the run) leaves about 60 generator updates in a cpu-preset budget.
# On the cpu preset the unpaired runs therefore work at 128 px, give stage 1 60 % of the budget and
# start GEN's curves at the identity; the gpu preset keeps the paper's values.
_GLENET_UNPAIRED_CPU = {"net_size": 128, "stage1_fraction": 0.6, "identity_init": True}
# GEN's public initialisation puts independent noise on each of the 256 entries of every curve
# (jagged curves: posterised, noisy outputs); a cpu-preset run is too short to smooth it away, so
# the cpu-preset paired runs also start GEN at the identity.
_GLENET_PAIRED_CPU = {"identity_init": True}


# report 003's first change: the identity term's L1 replaced by the Charbonnier penalty
_CHARBONNIER = {"identity_distance": "charbonnier"}


_LIST: list[Experiment] = [
    # ---- UEGAN (paper 001) and report 003
    # seeds 3 and 4 were added after QAGAN's five runs of one recipe spread far wider than its first three
    # (chapter 03): the two one-way GANs that beat the input get five seeds each as well
    *_seeds("uegan", "full", "uegan", "UEGAN (full)", seeds=(0, 1, 2, 3, 4)),
    # Table III's row gets seeds 1 and 2: its seed 0 gained most of any ablation, and report 003's Charbonnier
    # variant, which changes only the identity term, leads the comparison chapter's unpaired methods
    *_seeds("uegan", "no-identity", "uegan", "w/o identity loss (Table III)", {"identity_weight": 0.0},
            keep_seed0_weights=False),
    Experiment("uegan", "gam-unet-seed0", "uegan", 0, {"variant": "no_mm"}, label="GAM + U-Net (Table IV)"),
    Experiment("uegan", "gam-pixel-mm-seed0", "uegan", 0, {"variant": "pixel_mm"}, label="GAM + pixel-level MM (Table IV)"),
    Experiment("uegan", "no-gam-seed0", "uegan", 0, {"variant": "no_gam"}, label="w/o GAM (Table IV)"),
    Experiment("uegan", "no-gam-no-mm-seed0", "uegan", 0, {"variant": "no_gam_no_mm"}, label="w/o GAM and MM (Table IV)"),
    Experiment("uegan", "quality-0.05-seed0", "uegan", 0, {"quality_weight": 0.05}, label="quality weight 0.05 (Fig. 10)"),
    # the paper's own quality weight (Sec. IV-B) over more seeds, generators kept: does a weaker adversarial
    # term lift blacks less on the flat render and the identity set (chapter 05's haze)?
    Experiment("uegan", "quality-0.05-seed1", "uegan", 1, {"quality_weight": 0.05}, keep_weights=True,
               label="quality weight 0.05 (Fig. 10)"),
    Experiment("uegan", "quality-0.05-seed2", "uegan", 2, {"quality_weight": 0.05}, keep_weights=True,
               label="quality weight 0.05 (Fig. 10)"),
    Experiment("uegan", "quality-0.2-seed0", "uegan", 0, {"quality_weight": 0.2}, label="quality weight 0.2 (Fig. 10)"),
    Experiment("uegan", "quality-0.4-seed0", "uegan", 0, {"quality_weight": 0.4}, label="quality weight 0.4 (Fig. 10)"),
    # not in any paper: the public initialisation leaves the deepest levels of the generator without weight
    Experiment("uegan", "default-init-seed0", "uegan", 0, {"generator_init_gain": None}, keep_weights=True,
               label="PyTorch's default initialisation (ours)"),
    # report 003's two variants get three seeds each (every learned method of the comparison chapter has three or more);
    # the Charbonnier variant, the best unpaired method of the comparison chapter on three seeds, gets seeds 3 and 4
    # like the full model, recorded on the same kind of processor as the full model's seeds 3 and 4
    *_seeds("uegan", "charbonnier", "uegan", "Charbonnier (report 003)", _CHARBONNIER,
            keep_seed0_weights=False, seeds=(0, 1, 2, 3, 4)),
    # a sixth seed that keeps its generator, so that the best unpaired method of the comparison chapter can be
    # loaded with enhancelib.pretrained("uegan_charbonnier") and used by `enhance` (seeds 0-4 kept no weights)
    Experiment("uegan", "charbonnier-seed5", "uegan", 5, dict(_CHARBONNIER), keep_weights=True,
               label="Charbonnier (report 003)"),
    # Charbonnier + SE got seeds 3 and 4 last: the chapter predicts that the SE block cannot act after a GAM, so the
    # variant should match "Charbonnier" within seed noise, and three seeds spread 0.9 dB
    *_seeds("uegan", "charbonnier-se", "uegan", "Charbonnier + SE (report 003)",
            {**_CHARBONNIER, "se": True}, keep_seed0_weights=False, seeds=(0, 1, 2, 3, 4)),
    # not in any paper: the full model trained in bfloat16 mixed precision (enhancelib.nn.precision)
    # at the same CPU budget; scripts/bench_uegan.py times a bfloat16 step against a float32 one
    *_seeds("uegan", "bf16", "uegan", "UEGAN, bfloat16 training (ours)", keep_seed0_weights=False,
            preset_overrides={"amp": True}),
    # not in the paper: the full model evaluated every 50 steps instead of every 250 (as QAGAN's dense-eval runs,
    # chapter 03): full-seed4 fell at each of its three evaluations, and this run tells whether UEGAN's test score
    # drifts or oscillates between nearby steps; one seed (an evaluation costs about 40 CPU-seconds)
    *_seeds("uegan", "dense-eval", "uegan", "UEGAN (full), evaluated every 50 steps (ours)", keep_seed0_weights=False,
            preset_overrides={"eval_every": 50}, seeds=(0,)),
    # not in the paper: the full model at three times the cpu preset's CPU budget, one seed (as QAGAN's and GleNet's);
    # tells whether the gap between the recipe and the classical operators is one of training time
    Experiment("uegan", "budget-3x-seed0", "uegan", 0, label="UEGAN (full), 3x the CPU budget (ours)", budget_scale=3.0),
    # seeds 1 and 2 at three times the budget, added after seed 0 ended above every classical operator: whether the
    # longer recipe clears autocontrast beyond seed noise, which one seed cannot say
    *[Experiment("uegan", f"budget-3x-seed{s}", "uegan", s, label="UEGAN (full), 3x the CPU budget (ours)",
                 budget_scale=3.0) for s in (1, 2)],
    # a CPU-scale variant built from the haze diagnosis (chapter 05): the paper's own quality weight 0.05 (a weaker
    # adversarial pull towards the high-quality photos' lifted blacks) and three times the CPU budget (the haze of the
    # sample strips shrinks with steps); generator kept, so that it is scored on all three test sets
    Experiment("uegan", "quality-0.05-budget-3x-seed0", "uegan", 0, {"quality_weight": 0.05}, keep_weights=True,
               label="UEGAN, quality weight 0.05, 3x the CPU budget (ours)", budget_scale=3.0),
    # ---- GleNet (paper 002)
    Experiment("glenet", "paired-gen-len", "glenet_paired", 0, {}, keep_weights=True, label="paired GEN & LEN (Table 3)",
               cpu_options=_GLENET_PAIRED_CPU),
    # the paired upper bound's seeds 1 and 2 (seed 0 is "paired-gen-len", named before seeds were added), so that every
    # learned method of the comparison chapter, the upper bound included, is measured over at least three seeds
    *_seeds("glenet", "paired-gen-len", "glenet_paired", "paired GEN & LEN (Table 3)", seeds=(1, 2),
            cpu_options=_GLENET_PAIRED_CPU),
    Experiment("glenet", "paired-gen", "glenet_paired", 0, {"use_len": False}, label="paired GEN (Table 3)",
               cpu_options=_GLENET_PAIRED_CPU),
    Experiment("glenet", "paired-pixelwise", "pixelwise_paired", 0, {}, label="pixel-wise encoder-decoder (Fig. 5)"),
    *_seeds("glenet", "unpaired", "glenet_unpaired", "unpaired GEN & LEN (Table 4)",
            cpu_options=_GLENET_UNPAIRED_CPU),
    Experiment("glenet", "unpaired-gen-seed0", "glenet_unpaired", 0, {"use_len": False}, label="unpaired GEN (Table 4)",
               cpu_options=_GLENET_UNPAIRED_CPU),
    Experiment("glenet", "wgan-only-seed0", "glenet_unpaired", 0, {"scheme": "wgan_only", "use_len": False},
               label="WGAN-GP only (Table 5)", cpu_options=_GLENET_UNPAIRED_CPU),
    Experiment("glenet", "cycle-seed0", "glenet_unpaired", 0, {"scheme": "cycle", "use_len": False},
               label="cycle-consistency, CWGAN-GP (Table 5)", cpu_options=_GLENET_UNPAIRED_CPU),
    Experiment("glenet", "wgan-only-len-seed0", "glenet_unpaired", 0, {"scheme": "wgan_only", "use_len": True},
               label="WGAN-GP only, GEN & LEN* end to end (Table 5)", cpu_options=_GLENET_UNPAIRED_CPU),
    Experiment("glenet", "cycle-len-seed0", "glenet_unpaired", 0, {"scheme": "cycle", "use_len": True},
               label="cycle-consistency, CWGAN-GP, GEN & LEN (Table 5)", cpu_options=_GLENET_UNPAIRED_CPU),
    # not in the paper: CycleGAN's identity term for the enhancer, ||G_e(I_HQ) - I_HQ||_1; tests whether the
    # unpaired GEN's lack of adaptivity comes from an objective that never says which photos need no change.
    # At 5, the weight of the paper's own identity term, its gradient on GEN is about 1/130 of the adversarial
    # term's at the end of stage 1 (measured in chapter 02); 500 brings the two to the same order.
    *_seeds("glenet", "hq-identity-5", "glenet_unpaired", "unpaired GEN & LEN + HQ identity, weight 5 (ours)",
            {"hq_identity_weight": 5.0}, cpu_options=_GLENET_UNPAIRED_CPU, keep_seed0_weights=False),
    *_seeds("glenet", "hq-identity-500", "glenet_unpaired", "unpaired GEN & LEN + HQ identity, weight 500 (ours)",
            {"hq_identity_weight": 500.0}, cpu_options=_GLENET_UNPAIRED_CPU),
    # not in the paper: the critics with layer norm instead of the generator body's batch norm, the per-sample
    # normalisation WGAN-GP recommends (its gradient penalty is defined per sample, and a batch-normalised critic
    # scores each image relative to the rest of its batch); tests whether the critic is why GEN learns one global
    # brightening instead of a correction that depends on the photo
    # (seed 0 keeps its weights: the chapter measures how its exposure change follows what each photo needs;
    # seeds 1 and 2 were added after seed 0 was the first unpaired GleNet above the input)
    *_seeds("glenet", "critic-layer-norm", "glenet_unpaired", "unpaired GEN & LEN, layer-norm critics (ours)",
            {"critic_norm": "layer"}, cpu_options=_GLENET_UNPAIRED_CPU),
    # not in the paper: the main unpaired model at three times the cpu preset's CPU budget, one seed
    Experiment("glenet", "unpaired-budget-3x-seed0", "glenet_unpaired", 0, label="unpaired GEN & LEN, 3x the CPU budget (ours)",
               cpu_options=_GLENET_UNPAIRED_CPU, budget_scale=3.0),
    # ---- QAGAN (paper 000)
    *_seeds("qagan", "full", "qagan", "QAGAN (full)"),
    Experiment("qagan", "no-spatial-seed0", "qagan", 0, {"use_spatial_attention": False}, label="w/o spatial attention"),
    Experiment("qagan", "no-stat-seed0", "qagan", 0, {"use_stat_transfer": False}, label="w/o statistics transfer"),
    Experiment("qagan", "no-qam-seed0", "qagan", 0, {"use_qam": False}, label="w/o QAM"),
    # the paper does not say which low-quality features condition G_L in the backward cycle; the book's runs use
    # the photo's own ("own", which lets G_L copy I_L); these use another photo's, as in the forward direction
    # ("shuffled", the paper-neutral choice), with the main model's seeds, so that the chapter can choose from numbers
    *_seeds("qagan", "cycle-shuffled", "qagan", "QAGAN (full), shuffled reference in the backward cycle (ours)",
            {"cycle_reference": "shuffled"}, keep_seed0_weights=False),
    # not in the paper: CycleGAN's identity term for the enhancer, ||G_H(I_H) - I_H||_1. At 5, CycleGAN's
    # weight, its gradient on G_H is about a quarter of the cycle term's at the last step (measured in
    # chapter 03); 25 brings the two to the same order
    *_seeds("qagan", "hq-identity-5", "qagan", "QAGAN + HQ identity, weight 5 (ours)", {"identity_weight": 5.0},
            keep_seed0_weights=False),
    *_seeds("qagan", "hq-identity-25", "qagan", "QAGAN + HQ identity, weight 25 (ours)", {"identity_weight": 25.0},
            keep_seed0_weights=False),
    *_seeds("qagan", "bf16", "qagan", "QAGAN, bfloat16 training (ours)", keep_seed0_weights=False,
            preset_overrides={"amp": True}),
    # not in the paper: the full model at three times the cpu preset's CPU budget, one seed; tells whether the
    # gap to the input at the book's budget is one of training time
    Experiment("qagan", "budget-3x-seed0", "qagan", 0, label="QAGAN (full), 3x the CPU budget (ours)", budget_scale=3.0),
    # a CPU-scale variant built from the haze diagnosis (chapter 05), as UEGAN's: eq. 9 has no adversarial weight, so
    # the cycle weight is doubled instead (2 -> 4; Adam is indifferent to the loss's overall scale, so this halves the
    # adversarial terms' share, as UEGAN's 0.1 -> 0.05) at three times the CPU budget; generator kept
    Experiment("qagan", "cycle-4-budget-3x-seed0", "qagan", 0, {"lambda_cc": 4.0}, keep_weights=True,
               label="QAGAN, cycle weight 4, 3x the CPU budget (ours)", budget_scale=3.0),
    # not in the paper: the full model evaluated on the validation and test splits every 25 steps instead of every
    # 250 (evaluation time is not charged to the budget); measures how far one evaluation moves between nearby
    # steps, and what choosing the evaluation with the best validation PSNR would give on the test split. Two
    # seeds: the enhancer takes about 3 s per 512-pixel image, so the evaluations cost about as much as training
    *_seeds("qagan", "dense-eval", "qagan", "QAGAN (full), evaluated every 25 steps (ours)", keep_seed0_weights=False,
            preset_overrides={"eval_every": 25}, seeds=(0, 1)),
    # ---- BNCAGAN (paper 004)
    *_seeds("bncagan", "full", "bncagan", "BNCAGAN (full)", seeds=(0, 1, 2, 3, 4)),
    # not in the paper: the full model evaluated every 50 steps (as UEGAN's and QAGAN's dense-eval runs); one seed
    *_seeds("bncagan", "dense-eval", "bncagan", "BNCAGAN (full), evaluated every 50 steps (ours)", keep_seed0_weights=False,
            preset_overrides={"eval_every": 50}, seeds=(0,)),
    # not in the paper: the full model at three times the cpu preset's CPU budget, one seed (as the other three
    # chapters'); tells whether BNCAGAN's tie with autocontrast at the book's budget is one of training time
    Experiment("bncagan", "budget-3x-seed0", "bncagan", 0, label="BNCAGAN (full), 3x the CPU budget (ours)",
               budget_scale=3.0),
    # a CPU-scale variant built from the haze diagnosis (chapter 05), as UEGAN's: eq. 9's adversarial weight halved
    # (0.1 -> 0.05) at three times the CPU budget; generator kept, so that it is scored on all three test sets
    Experiment("bncagan", "adversarial-0.05-budget-3x-seed0", "bncagan", 0, {"adv_weight": 0.05}, keep_weights=True,
               label="BNCAGAN, adversarial weight 0.05, 3x the CPU budget (ours)", budget_scale=3.0),
    Experiment("bncagan", "no-identity-seed0", "bncagan", 0, {"identity_weight": 0.0}, label="w/o L_idt (Table 2)"),
    Experiment("bncagan", "no-cla-seed0", "bncagan", 0, {"cla_weight": 0.0}, label="w/o L_cla (Table 2)"),
    Experiment("bncagan", "no-identity-no-cla-seed0", "bncagan", 0, {"identity_weight": 0.0, "cla_weight": 0.0},
               label="w/o L_idt, w/o L_cla (Table 2)"),
    Experiment("bncagan", "no-aac-seed0", "bncagan", 0, {"use_aac": False}, label="w/o AAC (Table 2)"),
    Experiment("bncagan", "no-bnm-seed0", "bncagan", 0, {"use_bnm": False}, label="w/o BNM (Table 2)"),
    Experiment("bncagan", "no-cam-seed0", "bncagan", 0, {"use_cam": False}, label="w/o CAM (Table 2)"),
]

EXPERIMENTS: dict[tuple[str, str], Experiment] = {(e.chapter, e.name): e for e in _LIST}


def experiment(chapter: str, name: str) -> Experiment:
    try:
        return EXPERIMENTS[(chapter, name)]
    except KeyError:
        names = sorted(n for c, n in EXPERIMENTS if c == chapter)
        raise KeyError(f"No experiment {chapter}/{name}; this chapter has {names}") from None


def chapter_experiments(chapter: str) -> list[Experiment]:
    return [e for e in _LIST if e.chapter == chapter]


def register(*experiments: Experiment) -> None:
    """Add experiments (used by chapters whose recipes live outside this table)."""
    for item in experiments:
        _LIST.append(item)
        EXPERIMENTS[(item.chapter, item.name)] = item
