"""Inside BNCAGAN's networks (chapter 04): sizes, the initial state, rho, silent modules, conditioning, AAC, CAM.

Each function takes a network (trained or not) and returns a typed result or a table; the ``*_sentence``
functions say what it shows. :func:`load_networks` reads a recorded run's generator (through
:mod:`enhancelib.inference`, without a recipe) and, where the run's training checkpoint is on this machine,
its discriminator; otherwise it builds untrained networks and says so.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from enhancelib.inference import load_run_enhancer
from enhancelib.metrics import psnr
from enhancelib.models.bncagan import BNCAGANDiscriminator, BNCAGANGenerator
from enhancelib.nn.aac import AuxiliaryAttentionClassifier
from enhancelib.nn.blocks import pad_to_multiple
from enhancelib.nn.color_attention import ColorAttention
from enhancelib.study.pages import test_pair
from enhancelib.train.runs import RecordedRun
from enhancelib.viz.normalisation import rho_values
from enhancelib.viz.weights import silent_modules, weight_magnitudes

__all__ = ["PUBLIC_GENERATOR_DECLARED", "parameter_count", "parameter_counts", "InitialState", "initial_state",
           "Networks", "load_networks", "rho_table", "rho_drift_sentence", "rho_verdict", "silent_parts", "silent_sentence",
           "conditioning_table", "conditioning_sentence", "MaskReading", "channel_masks", "mask_sentence",
           "cam_matrices", "cam_sentence", "slider_picks"]

#: parameters the public code's generator declares (its unused stages and heads included)
PUBLIC_GENERATOR_DECLARED = 10_850_339


def parameter_count(module: nn.Module | Sequence[nn.Module]) -> int:
    """The number of parameters of a module (or of several together)."""
    modules = [module] if isinstance(module, nn.Module) else list(module)
    return sum(p.numel() for m in modules for p in m.parameters())


def parameter_counts() -> pd.DataFrame:
    """Parameters of G and D, with and without each of Table 2's modules, and of G's parts (no weights needed)."""
    g = BNCAGANGenerator(init_gain=None)
    rows = {
        "G (full)": parameter_count(g),
        "G w/o AAC": parameter_count(BNCAGANGenerator(use_aac=False, init_gain=None)),
        "G w/o BNM": parameter_count(BNCAGANGenerator(use_bnm=False, init_gain=None)),
        "  encoder": parameter_count(g.encoder),
        "  AAC x 2": parameter_count(g.aac),
        "  BNR": parameter_count(g.bnr),
        "  decoder + head": parameter_count([g.reduce, g.decoder, g.head]),
        "public G, declared": PUBLIC_GENERATOR_DECLARED,
        "D (with CAM)": parameter_count(BNCAGANDiscriminator(init_gain=None)),
        "D w/o CAM": parameter_count(BNCAGANDiscriminator(use_cam=False, init_gain=None)),
        "  of which the CAM": parameter_count(ColorAttention(128)),
    }
    return pd.DataFrame({"parameters": rows}).map(lambda n: f"{n:,}")


@dataclass(frozen=True)
class InitialState:
    """The generator at the public initialisation (orthogonal, gain 0.02), before any step."""

    largest_change: float
    """max |G(x) - x| on a random image in [0, 1]."""
    largest_gamma: float
    """max |gamma| the high-domain AAC computes for it."""
    rho: Mapping[str, float]
    """Mean rho of every BNM and ILN layer."""


def initial_state(seed: int = 0) -> InitialState:
    """Build the generator as the recipe does and measure how far it is from the identity, and its gamma."""
    torch.manual_seed(seed)
    g = BNCAGANGenerator().eval()
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        change = float((g(x) - x).abs().max())
        gamma, _ = g.domain_conditioning(x * 2 - 1, "high")
    return InitialState(change, float(gamma.abs().max()), {k: float(v.mean()) for k, v in rho_values(g).items()})


@dataclass
class Networks:
    """A run's generator and discriminator in eval mode, and where their weights came from."""

    generator: BNCAGANGenerator
    discriminator: BNCAGANDiscriminator
    generator_source: str
    discriminator_source: str
    trained_generator: bool
    trained_discriminator: bool

    def label(self, name: str) -> str:
        """How a figure names the generator: the run's name, or UNTRAINED."""
        return name if self.trained_generator else "UNTRAINED generator"


def load_networks(run: RecordedRun | None, seed: int = 0) -> Networks:
    """The generator of ``run`` (its kept weights, the moving average; a run without one, its training checkpoint's
    last step) and its discriminator (the training checkpoint's last step, where it is on this machine); each
    falls back to an untrained network built with ``seed`` when absent."""
    g: BNCAGANGenerator | None = None
    d: BNCAGANDiscriminator | None = None
    g_source, d_source = "UNTRAINED (no run)", "UNTRAINED (no checkpoint.pt here)"
    if run is not None:
        checkpoint = (run.path / "checkpoint.pt").is_file()
        options = run.spec.resolved_options() if checkpoint else {}
        try:
            enhancer = load_run_enhancer(run.path)
        except FileNotFoundError:
            g_source = "UNTRAINED (the run keeps no generator weights)"
            if checkpoint:   # a run without a moving average (the smoke preset): its last step
                g = BNCAGANGenerator(options["width"], use_aac=options["use_aac"], use_bnm=options["use_bnm"],
                                     test_conditioning=options["test_conditioning"], init_gain=None)
                g.load_state_dict(run.network_state("generator"))
                g_source = f"{run.path.name}, checkpoint.pt (last step)"
        else:
            assert isinstance(enhancer.network, BNCAGANGenerator)
            g = enhancer.network
            g_source = f"{run.path.name}, {'generator.pt' if run.has_weights else 'checkpoint.pt'} (moving average)"
        if checkpoint:
            d = BNCAGANDiscriminator(options["width"], use_cam=options["use_cam"], init_gain=None)
            d.load_state_dict(run.network_state("discriminator"))
            d_source = f"{run.path.name}, checkpoint.pt (last step)"
    trained_g, trained_d = g is not None, d is not None
    if g is None:
        torch.manual_seed(seed)
        g = BNCAGANGenerator()
    if d is None:
        torch.manual_seed(seed)
        d = BNCAGANDiscriminator()
    return Networks(g.eval(), d.eval(), g_source, d_source, trained_g, trained_d)


def rho_table(generator: nn.Module) -> pd.DataFrame:
    """Per BNM / ILN layer: channels, initial and trained rho (mean, min, max), the layer's common shift (median
    minus initial value), the channels more than 0.01 away from it, and the channels held at 0 or 1 by the clip."""
    initial = rho_values(BNCAGANGenerator(init_gain=None))
    rows = []
    for name, values in rho_values(generator).items():
        median = float(np.median(values))
        rows.append({"layer": name, "channels": values.size, "initial": float(initial[name].mean()),
                     "mean": float(values.mean()), "min": float(values.min()), "max": float(values.max()),
                     "common shift": median - float(initial[name].mean()),
                     "off the common shift > 0.01": int((abs(values - median) > 0.01).sum()),
                     "at 0 (pure LN)": int((values <= 1e-6).sum()), "at 1 (pure IN)": int((values >= 1 - 1e-6).sum())})
    return pd.DataFrame(rows).set_index("layer")


def rho_drift_sentence(run: RecordedRun, table: pd.DataFrame, weight_decay: float) -> str:
    """What weight decay alone does to rho over the run (Adam: about one learning rate per step, towards 0),
    beside how far each layer's mean rho moved in the training log."""
    log = run.train_log
    columns = [c for c in log.columns if c.startswith("rho ")]
    if not columns or "lr_factor" not in log:
        return "The training log records no ρ: the table gives the final values only."
    steps = np.arange(1, int(run.provenance["steps"]) + 1)
    decay_only = -float(run.spec.resolved_options()["lr_g"]) * float(np.interp(steps, log["step"], log["lr_factor"]).sum())
    moved = ", ".join(f"{c[4:]} {log[c].iloc[-1] - table.loc[c[4:], 'initial']:+.4f}" for c in columns)
    return (f"Weight decay alone: when the decay term {weight_decay:g} ρ is a parameter's whole gradient, Adam's "
            f"normalised step moves it by about the learning rate each step, {decay_only:+.4f} over the {len(steps)} "
            f"steps, the same for every channel. The training log's layer means (training weights; the table shows "
            f"the moving average) moved by {moved}.")


def rho_verdict(table: pd.DataFrame) -> str:
    """One Markdown bullet from :func:`rho_table`: each layer's common shift and the channels that left it."""
    off, channels = table["off the common shift > 0.01"], table["channels"]
    layers = "; ".join(f"{name}: common shift {table.loc[name, 'common shift']:+.3f}, {off[name]} of {channels[name]} "
                       "channels more than 0.01 away from it" for name in table.index)
    return (f"* **ρ after training** (a shift shared by every channel of a layer is what weight decay alone gives; a "
            f"learnt preference differs between channels): {layers}. In all, {off.sum()} of {channels.sum()} channels "
            "moved away from their layer's common shift.")


def silent_parts(generator: nn.Module) -> tuple[pd.DataFrame, list[str]]:
    """Modules per part of the generator and how many are silent (every parameter at most 1e-6), and their names."""
    silent = silent_modules(generator)
    largest = weight_magnitudes(generator).groupby("module", sort=False)["max |w|"].max()
    parts = pd.Series([m.split(".")[0] for m in largest.index]).value_counts(sort=False)
    quiet = pd.Series([m.split(".")[0] for m in silent], dtype=object).value_counts()
    table = pd.DataFrame({"modules": parts, "silent": quiet.reindex(parts.index).fillna(0).astype(int)}).T
    return table, silent


def silent_sentence(silent: Sequence[str], modules: int, source: str) -> str:
    """Which modules are silent and what that means for the BNR and the AAC."""
    if not silent:
        return f"No module of this generator ({source}) is silent."
    text = (f"Generator ({source}): {len(silent)} of {modules} modules are silent: "
            + ", ".join(f"`{m}`" for m in silent) + ".")
    if any(m.startswith("bnr.") for m in silent):
        text += (" The BNR's residual branches output zero, so the BNR passes its input through unchanged and the "
                 "generator behaves as if it had no BNM; the AAC's γ, β reach nothing. The test-time conditioning "
                 "below can then change no pixel, and w/o BNM and w/o AAC in Table 2 compare networks in which those "
                 "parts were already inert.")
    return text


def conditioning_table(generator: BNCAGANGenerator, names: Sequence[str], long_side: int) -> tuple[pd.DataFrame, float]:
    """Test PSNR of the same weights conditioned three ways (the running high-domain average, the photo's own
    low-domain gamma/beta, the clean photo as reference), and the largest pixel difference between them."""
    rows, gap = [], 0.0
    kept = generator.test_conditioning
    try:
        for name in names:
            low, target = test_pair(name, long_side)
            row: dict[str, object] = {"photo": name, "input": psnr(low, target)}
            outputs = {}
            for label, mode, reference in (("average (ours)", "average", None), ("own (public code)", "own", None),
                                           ("clean-photo reference", "average", target[None])):
                generator.test_conditioning = mode
                padded, (h, w) = pad_to_multiple(low[None], generator.multiple, generator.min_side)
                ref = None if reference is None else pad_to_multiple(reference, generator.multiple,
                                                                     generator.min_side)[0]
                with torch.no_grad():
                    outputs[label] = generator(padded, reference=ref)[0, :, :h, :w].clamp(0, 1)
                row[label] = psnr(outputs[label], target)
            gap = max(gap, *(float((o - outputs["average (ours)"]).abs().max()) for o in outputs.values()))
            rows.append(row)
    finally:
        generator.test_conditioning = kept
    return pd.DataFrame(rows).set_index("photo"), gap


def conditioning_sentence(table: pd.DataFrame, gap: float, long_side: int) -> str:
    """The mean PSNR of each conditioning and whether they differ."""
    means = table.mean()
    choices = table.drop(columns="input")
    spread = float((choices.max(axis=1) - choices.min(axis=1)).max())
    text = (f"Mean PSNR over {len(table)} photos at long side {long_side}: "
            + ", ".join(f"{k} {v:.2f} dB" for k, v in means.items()) + ". ")
    if spread < 0.01:
        return text + (f"The three conditionings differ by at most {spread:.3f} dB on any photo (largest pixel "
                       f"difference {gap:.1e} on a 0-1 scale): at this budget the conditioning does not change the "
                       "output, as a BNR that started asleep and never woke would give.")
    wins = int((table["average (ours)"] > table["own (public code)"]).sum())
    return text + (f"The conditionings differ by up to {spread:.2f} dB on one photo; the average beats the public "
                   f"code's on {wins} of {len(table)} photos.")


@dataclass
class MaskReading:
    """The AAC's channel masks of a degraded photo (low-domain AAC) and its clean version (high-domain AAC)."""

    masks: dict[str, Tensor]
    high_quality: dict[str, tuple[float, float]] = field(default_factory=dict)
    """P(high quality) from the GAP and the GMP head of each domain's classifier."""


def _encoded(generator: BNCAGANGenerator, image: Tensor) -> Tensor:
    """The encoder's last features u of one image in [0, 1] (padded as the generator pads)."""
    h = pad_to_multiple(image[None], generator.multiple, generator.min_side)[0] * 2 - 1
    with torch.no_grad():
        for stage in generator.encoder:
            h = stage(h)
    return h


def channel_masks(generator: BNCAGANGenerator, low: Tensor, high: Tensor) -> MaskReading:
    """Eq. 2's mask (code form) of ``low`` through the low-domain AAC and of ``high`` through the high one."""
    reading = MaskReading({})
    for label, image, domain in (("degraded x_l (low AAC)", low, "low"), ("clean x_h (high AAC)", high, "high")):
        u, aac = _encoded(generator, image), generator.aac[domain]
        assert isinstance(aac, AuxiliaryAttentionClassifier)
        with torch.no_grad():
            reading.masks[label] = (aac.channel_mask(u)[0] if aac.attention
                                    else torch.full((aac.channels,), 1 / aac.channels))
            logits = aac(u).logits
        if logits is not None:
            reading.high_quality[label] = (float(torch.sigmoid(logits[0, 0])), float(torch.sigmoid(logits[0, 1])))
    return reading


def _effective(mask: Tensor) -> float:
    """The effective number of channels of a mask: exp of its entropy (C for a uniform mask)."""
    return float(torch.exp(-(mask * mask.clamp_min(1e-30).log()).sum()))


def mask_sentence(reading: MaskReading, top: int = 10) -> str:
    """How selective each mask is (largest weight x C, effective channels), their shared top channels, and what
    each domain's classifier says about the photo."""
    (low_label, low), (high_label, high) = reading.masks.items()
    kinds = {label: "almost flat" if m.max().item() * m.numel() < 2 and _effective(m) > 0.9 * m.numel()
             else "selective" for label, m in reading.masks.items()}
    shared = len(set(torch.argsort(low, descending=True)[:top].tolist())
                 & set(torch.argsort(high, descending=True)[:top].tolist()))
    text = (f"Largest weight × C: degraded {low.max().item() * low.numel():.2f}, clean "
            f"{high.max().item() * high.numel():.2f}. Effective number of channels (exp of the entropy; "
            f"{low.numel()} = uniform): degraded {_effective(low):.1f}, clean {_effective(high):.1f}. Top-{top} "
            f"channels shared by the two masks: {shared}. The degraded photo's mask is {kinds[low_label]} and the "
            f"clean photo's is {kinds[high_label]} (almost flat: largest weight under twice the uniform one and more "
            "than 90% of the channels effective).")
    if "selective" in kinds.values():
        text += (" A selective mask weights a few channels far above the others, so the AAC does attend; whether "
                 "that helps is what the \"w/o AAC\" row of Table 2 measures.")
    else:
        text += " Almost flat masks make $\\hat u \\approx u / C$: the AAC rescales the features and attends to nothing."
    for label, (gap, gmp) in reading.high_quality.items():
        text += f" {label}: P(high quality) {gap:.3f} from the GAP head, {gmp:.3f} from the GMP head."
    return text


def cam_matrices(discriminator: BNCAGANDiscriminator, images: Mapping[str, Tensor]) -> dict[str, Tensor] | None:
    """The 3 x 3 matrix A of the discriminator's CAM for each image in [0, 1] (``None`` without a CAM)."""
    if discriminator.color_head is None:
        return None
    cam = discriminator.color_head[0]
    assert isinstance(cam, ColorAttention)
    seen: dict[str, Tensor] = {}
    handle = cam.register_forward_hook(lambda module, inputs, output: seen.update(x=inputs[0].detach()))
    matrices = {}
    try:
        for label, image in images.items():
            with torch.no_grad():
                discriminator(pad_to_multiple(image[None], 8, 16)[0] * 2 - 1)
                matrices[label] = cam.attention(cam.to_color(seen["x"]).float())[0]
    finally:
        handle.remove()
    return matrices


def cam_sentence(discriminator: BNCAGANDiscriminator, matrices: Mapping[str, Tensor], reference: str) -> str:
    """The CAM's learnt gamma and how far each matrix is from the ``reference`` image's."""
    cam = discriminator.color_head[0] if discriminator.color_head is not None else None
    assert isinstance(cam, ColorAttention)
    gamma = float(cam.gamma.detach())
    far = ", ".join(f"{k} {float((m - matrices[reference]).abs().max()):.3f}" for k, m in matrices.items()
                    if k != reference)
    return f"CAM γ = {gamma:+.4f} (0 at initialisation). Largest |A(x) - A({reference})|: {far}."


def slider_picks(per_image: pd.DataFrame, inputs: pd.DataFrame, n: int) -> list[tuple[str, float, float]]:
    """Up to ``n`` test photos (largest PSNR gain over the input, the median, the smallest) as
    ``(name, input PSNR, output PSNR)``."""
    ours, theirs = per_image.set_index("name")["psnr"], inputs.set_index("name")["psnr"]
    gains = (ours - theirs).dropna().sort_values()
    if gains.empty or n <= 0:
        return []
    picks = list(dict.fromkeys([gains.index[-1], gains.index[len(gains) // 2], gains.index[0]]))[:n]
    return [(name, float(theirs[name]), float(ours[name])) for name in picks]

