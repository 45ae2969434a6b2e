"""UEGAN (chapter 01), inside the networks: a run's generator and discriminator, the GAMs, the modulation map.

* :func:`load_generator` and :func:`load_discriminator` read a recorded run's networks (the generator through
  :func:`enhancelib.inference.load_run_enhancer`; the discriminator from the training checkpoint, if kept);
* :func:`capture_gams` records what enters and leaves each of the five GAMs for two photos, :func:`gam_table`
  and :func:`gam_sentence` test the derivation's three facts on them, :func:`plot_gam` draws the deepest
  live GAM;
* :func:`silent_table` and :func:`silent_sentence` list the modules without weight;
* :func:`modulation_maps`, :func:`plot_modulation` and :func:`modulation_sentence` show the modulation module;
* :func:`plot_discriminator` draws the five heads' score maps; :func:`slider_photos` picks the sliders' photos.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from enhancelib.inference import load_run_enhancer
from enhancelib.models.uegan import UEGANGenerator
from enhancelib.nn.attention import GlobalAttention, channel_mean_std
from enhancelib.nn.discriminator import MultiScaleDiscriminator, uegan_discriminator
from enhancelib.train.checkpoint import load_checkpoint
from enhancelib.train.runs import RecordedRun
from enhancelib.viz import show_images
from enhancelib.viz.weights import silent_modules, weight_magnitudes

__all__ = ["load_generator", "NO_DISCRIMINATOR", "load_discriminator", "public_gam", "gams_of", "capture_gams", "gam_table",
           "gam_sentence", "plot_gam", "silent_table", "silent_sentence", "modulation_maps", "plot_modulation",
           "modulation_sentence", "plot_discriminator", "slider_photos"]

Captured = dict[str, dict[str, tuple[Tensor, Tensor]]]
"""photo ("degraded", "clean") -> GAM name -> (features entering, features leaving)."""
_LIVE = "input is all zero"


def load_generator(run: RecordedRun | None) -> tuple[UEGANGenerator, str, bool]:
    """(generator in eval mode, where its weights came from, whether it is trained) of a run: the moving average
    of its record, else (a short run) its checkpoint's last step; an untrained generator (seed 0) when the run or
    its weights are absent."""
    if run is not None:
        try:
            network = load_run_enhancer(run.path).network
        except FileNotFoundError:   # a short run without a moving average: its checkpoint's last step
            if (run.path / "checkpoint.pt").is_file():
                o = run.spec.resolved_options()
                last = UEGANGenerator(o["width"], o["variant"], squeeze_excitation=o["se"], gam_form=o["gam_form"],
                                      init_gain=None)
                last.load_state_dict(load_checkpoint(run.path / "checkpoint.pt")["recipe"]["networks"]["generator"])
                return last.eval().requires_grad_(False), "checkpoint.pt (last step)", True
        else:
            if isinstance(network, UEGANGenerator):
                network.requires_grad_(False)
                source = "generator.pt (moving average)" if run.has_weights else "checkpoint.pt (moving average)"
                return network, source, True
    torch.manual_seed(0)
    return UEGANGenerator().eval().requires_grad_(False), "no weights on this machine", False


NO_DISCRIMINATOR = (
    "No trained discriminator on this machine. Recorded runs keep only the generator (`generator.pt`); the "
    "discriminator's weights live in the run's training checkpoint (`checkpoint.pt`), which is not part of the "
    "repository. An untrained discriminator's score maps say nothing about quality, so the figure is skipped. "
    "`python -m enhancelib reproduce data/runs/uegan/full-seed0` leaves a `checkpoint.pt` next to the record, and "
    "this cell then shows the trained discriminator. The geometry of its scales is in the receptive-field table.")
"""What the chapter says where :func:`load_discriminator` finds no checkpoint."""


def load_discriminator(run: RecordedRun | None) -> MultiScaleDiscriminator | None:
    """The discriminator of a run's training checkpoint (last step), or ``None``: records keep no discriminator."""
    if run is None or not (run.path / "checkpoint.pt").is_file():
        return None
    D = uegan_discriminator(int(run.spec.resolved_options()["width"]))
    D.load_state_dict(load_checkpoint(run.path / "checkpoint.pt")["recipe"]["networks"]["discriminator"])
    return D.eval()


def public_gam(module: GlobalAttention, features: Tensor, rho: Tensor) -> Tensor:
    """Eq. 4 in the public code's order of work, with a given global vector: IN(Conv([features, E(rho)]))."""
    return F.instance_norm(module.fuse(torch.cat([features, rho.expand_as(features)], dim=1)))


def gams_of(G: UEGANGenerator) -> dict[str, GlobalAttention]:
    """The generator's five GAMs by place: the bottleneck (1/16 of the resolution) and the skips, coarse to fine."""
    gams = {"bottleneck (16x)": G.bottleneck_attention,
            **{f"skip {2 ** (3 - i)}x": m for i, m in enumerate(G.skip_attention)}}
    return {name: m for name, m in gams.items() if isinstance(m, GlobalAttention)}


def capture_gams(G: UEGANGenerator, degraded: Tensor, clean: Tensor) -> Captured:
    """What enters and leaves every GAM when the generator enhances each photo (3 x H x W in [0, 1])."""
    captured: Captured = {}
    for label, image in (("degraded", degraded), ("clean", clean)):
        seen: dict[str, tuple[Tensor, Tensor]] = {}
        handles = [m.register_forward_hook(
            lambda module, inputs, output, name=name: seen.update({name: (inputs[0].detach(), output.detach())}))
            for name, m in gams_of(G).items()]
        with torch.no_grad():
            G.enhance(image[None])
        for handle in handles:
            handle.remove()
        captured[label] = seen
    return captured


def _relative(a: Tensor, b: Tensor) -> float:
    """|a - b| / |b|, NaN when b is the zero map."""
    scale = float(b.norm())
    return float((a - b).norm()) / scale if scale > 0 else float("nan")


def gam_table(G: UEGANGenerator, captured: Captured) -> pd.DataFrame:
    """Per GAM: its size, whether its input is all zero, how far the two photos' rho differ, how much swapping
    rho changes the output (public code's order), and the photos' feature distance before and after."""
    rows = []
    with torch.no_grad():
        for name, gam in gams_of(G).items():
            (z_l, out_l), (z_h, out_h) = captured["degraded"][name], captured["clean"][name]
            rho_l, rho_h = gam.global_context(z_l), gam.global_context(z_h)
            rows.append({"GAM": name, "channels x positions": f"{z_l.shape[1]} x {z_l.shape[2] * z_l.shape[3]}",
                         _LIVE: bool(z_l.abs().max() == 0 and z_h.abs().max() == 0),
                         "|ρ_l - ρ_h| / |ρ_h|": _relative(rho_l, rho_h),
                         "output with the other ρ: max change": float((public_gam(gam, z_l, rho_h) - out_l).abs().max()),
                         "before: |z_l - z_h| / |z_h|": _relative(z_l, z_h),
                         "after: |ẑ_l - ẑ_h| / |ẑ_h|": _relative(out_l, out_h)})
    return pd.DataFrame(rows).set_index("GAM")


def gam_sentence(table: pd.DataFrame, trained: bool, side: int) -> str:
    """What the table shows, counted: the largest change from swapping rho, dead GAMs, rho differing, closer after."""
    live = table[~table[_LIVE]]
    dead = list(table.index[table[_LIVE]])
    closer = live["after: |ẑ_l - ẑ_h| / |ẑ_h|"] < live["before: |z_l - z_h| / |z_h|"]
    return (f"{'Trained' if trained else 'UNTRAINED'} generator, photo at long side {side}px. Swapping ρ changes no "
            f"GAM's output by more than {table['output with the other ρ: max change'].max():.1g}. "
            + (f"{len(dead)} of {len(table)} GAMs receive an all-zero input for both photos ({', '.join(dead)}): "
               "their distances are undefined, and the next table shows why. " if dead else "")
            + f"Of the {len(live)} GAMs with a live input, ρ differs between the two photos at "
            f"{int((live['|ρ_l - ρ_h| / |ρ_h|'] > 0.01).sum())}, and after the GAM the degraded photo's features are "
            f"closer to the clean photo's at {int(closer.sum())} ({', '.join(closer.index[closer]) or 'none'}).")


def plot_gam(G: UEGANGenerator, captured: Captured, table: pd.DataFrame, trained: bool) -> str:
    """Two figures of the deepest GAM with a live input: its rho and channel statistics, then four channels
    before and after it for both photos. Returns the GAM's name."""
    name = next((n for n in table.index if not table.loc[n, _LIVE]), str(table.index[0]))
    (z_l, out_l), (z_h, out_h) = captured["degraded"][name], captured["clean"][name]
    gam = gams_of(G)[name]
    with torch.no_grad():
        rho_l, rho_h = gam.global_context(z_l)[0, :, 0, 0], gam.global_context(z_h)[0, :, 0, 0]
    (mean_l, std_l), (mean_h, std_h), (after_mean, after_std) = (
        (s[0, :, 0, 0].numpy() for s in channel_mean_std(z)) for z in (z_l, z_h, out_l))
    order = torch.argsort(rho_h)
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.4))
    axes[0].plot(rho_h[order].numpy(), label="clean photo", lw=1)
    axes[0].plot(rho_l[order].numpy(), label="degraded photo", lw=1, alpha=0.8)
    axes[0].set(title=f"global vector ρ, GAM {name} ({'trained' if trained else 'UNTRAINED'} G)",
                xlabel="channel (sorted by the clean photo's ρ)")
    axes[1].scatter(mean_h, mean_l, s=5, label="channel mean")
    axes[1].scatter(std_h, std_l, s=5, label="channel std")
    lim = float(max(np.abs(mean_h).max(), std_h.max(), np.abs(mean_l).max(), std_l.max()))
    axes[1].plot([0, lim], [0, lim], color="0.6", lw=0.8)
    axes[1].set(title="features entering the GAM: degraded vs clean", xlabel="clean photo", ylabel="degraded photo")
    for values, label in ((after_mean, "channel mean after"), (after_std, "channel std after")):
        try:
            axes[2].hist(values, bins=40, alpha=0.7, label=label)
        except ValueError:   # a spread too small for 40 bins (an untrained, tiny network): one bar
            axes[2].hist(values, bins=1, alpha=0.7, label=label)
    axes[2].set(title="features leaving the GAM (degraded photo)")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()
    top = torch.argsort(z_l[0].flatten(1).std(1), descending=True)[:4].tolist()
    top_out = torch.argsort(out_l[0].flatten(1).std(1), descending=True)[:4].tolist()
    panels = {f"{when}, ch {c} ({photo})": maps[0, c] for when, channels, pair in
              (("before", top, (("degraded", z_l), ("clean", z_h))), ("after", top_out, (("degraded", out_l),
                                                                                      ("clean", out_h))))
              for photo, maps in pair for c in channels}
    fig, axes = plt.subplots(4, 4, figsize=(10, 6.4))
    for ax, (label, fmap) in zip(axes.flat, panels.items()):
        ax.imshow(fmap.numpy(), cmap="magma")
        ax.set_title(label, fontsize=8)
        ax.axis("off")
    fig.suptitle(f"GAM {name}: channels before and after (each map on its own colour scale)", fontsize=10)
    fig.tight_layout()
    plt.show()
    return name


def silent_table(G: UEGANGenerator, tolerance: float = 1e-6) -> pd.DataFrame:
    """The largest |w| of every encoder stage and of every module whose weights are all at or below ``tolerance``."""
    largest = weight_magnitudes(G).groupby("module", sort=False)["max |w|"].max()
    silent = silent_modules(G, tolerance)
    shown = list(dict.fromkeys([m for m in largest.index if m.startswith("encoder.")] + silent))
    return pd.DataFrame({"largest |w|": largest[shown], f"silent (all |w| ≤ {tolerance:g})": [m in silent for m in shown]})


def silent_sentence(G: UEGANGenerator, source: str) -> str:
    """Which modules have no weight left, and what that leaves of the U-Net."""
    silent = silent_modules(G)
    if not silent:
        return f"No module of this generator ({source}) has vanished."
    text = (f"{len(silent)} modules of this generator ({source}) have every parameter at or below 1e-6: "
            + ", ".join(f"`{m}`" for m in silent) + ".")
    stages = [i for i in range(len(G.encoder)) if any(m.startswith(f"encoder.{i}.") for m in silent)]
    if stages:
        first = min(stages)
        text += (f" From encoder stage {first + 1} on (1/{2 ** first} of the resolution and deeper) the features are "
                 "the same constant for every photo: the GAMs there see nothing of the image, and "
                 f"{max(0, len(G.decoder) - first)} decoder stage(s) receive only constants. In effect this generator "
                 f"is a U-Net of {first} levels (full resolution down to 1/{2 ** (first - 1)}) with GAMs on those "
                 "skips and the modulation module.")
    return text


def modulation_maps(G: UEGANGenerator, image: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(first encoder stage's features f1, last decoder stage's features y, enhanced photo) for one photo."""
    seen: dict[str, Tensor] = {}
    handles = [G.encoder[0].register_forward_hook(lambda m, i, o: seen.update(first=o.detach())),
               G.decoder[-1].register_forward_hook(lambda m, i, o: seen.update(last=o.detach()))]
    with torch.no_grad():
        enhanced = G.enhance(image[None])[0]
    for handle in handles:
        handle.remove()
    h, w = image.shape[-2:]
    return seen["first"][0, :, :h, :w], seen["last"][0, :, :h, :w], enhanced


def plot_modulation(G: UEGANGenerator, low: Tensor, high: Tensor, trained: bool, channels: int = 4
                    ) -> dict[int, float]:
    """The photo, G's output, the target and the residual; then the most varied modulation maps f1, the same
    channels of y and their product. Returns each shown channel's correlation with the input's luma."""
    first, last, enhanced = modulation_maps(G, low)
    show_images({"input x_l": low, "G(x_l)": enhanced, "target": high,
                 "residual G(x_l) - x_l, x4 around grey": (0.5 + 4 * (enhanced - low)).clamp(0, 1)}, ncols=4, width=3.2)
    plt.show()
    picked = torch.argsort(first.flatten(1).std(1), descending=True)[:channels].tolist()
    h, w = low.shape[-2:]
    fig, axes = plt.subplots(3, channels, figsize=(3 * channels, 6.6 * h / w + 1), squeeze=False)
    for col, c in enumerate(picked):
        for row, (label, fmap) in enumerate((("f1: first encoder stage (modulation map)", first[c]),
                                            ("y: last decoder stage", last[c]), ("y · f1 (to the head)", last[c] * first[c]))):
            limit = float(fmap.abs().max())
            axes[row, col].imshow(fmap.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
            axes[row, col].set_title(f"{label}, ch {c}", fontsize=8)
            axes[row, col].axis("off")
    fig.suptitle(f"modulation module of the {'trained' if trained else 'UNTRAINED'} generator "
                 "(symmetric colour scale per map)", fontsize=10)
    fig.tight_layout()
    plt.show()
    luma = (low * torch.tensor([0.299, 0.587, 0.114])[:, None, None]).sum(0).flatten()
    return {c: float(torch.corrcoef(torch.stack([first[c].flatten(), luma]))[0, 1]) for c in picked}


def modulation_sentence(correlations: Mapping[int, float]) -> str:
    """How many of the shown modulation maps follow the inverse of the brightness, and how many the brightness."""
    negative = sum(r < -0.5 for r in correlations.values())
    positive = sum(r > 0.5 for r in correlations.values())
    return ("Correlation over pixels between each modulation map and the input's luma: "
            + ", ".join(f"ch {c}: {r:+.2f}" for c, r in correlations.items())
            + f". Of these {len(correlations)} maps, {negative} follow the inverse of the brightness (below -0.5: "
            f"large in the shadows, small in the highlights) and {positive} the brightness itself (above +0.5).")


def plot_discriminator(D: MultiScaleDiscriminator, images: Mapping[str, Tensor]) -> list[str]:
    """Each head's score map for each photo (3 x H x W in [0, 1]); returns per photo E D(first) - E D(photo)."""
    with torch.no_grad():
        scores = {label: D(image[None] * 2 - 1) for label, image in images.items()}
    heads = len(next(iter(scores.values())))
    fig, axes = plt.subplots(len(images), heads + 1, figsize=(2.6 * (heads + 1), 2.3 * len(images)), squeeze=False)
    for r, (label, image) in enumerate(images.items()):
        axes[r, 0].imshow(image.permute(1, 2, 0).numpy())
        axes[r, 0].set_title(label, fontsize=8)
        for s in range(heads):
            m = scores[label][s][0, 0]
            axes[r, s + 1].imshow(m.numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
            axes[r, s + 1].set_title(f"head {s + 1} {tuple(m.shape)}: mean {float(m.mean()):+.2f}", fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle("discriminator score maps (red: scored real, blue: scored fake)", fontsize=10)
    fig.tight_layout()
    plt.show()
    first, *others = scores
    return [f"E D({first}) - E D({label}) per head: " + ", ".join(
        f"{float(r.mean()) - float(s.mean()):+.2f}" for r, s in zip(scores[first], scores[label])) for label in others]


def slider_photos(per_image: pd.DataFrame, inputs: pd.DataFrame, n: int) -> pd.DataFrame:
    """The photos with the largest, the median and the smallest PSNR gain over the input (at most ``n``), with
    the input's and the run's PSNR and the gain."""
    table = pd.DataFrame({"input": inputs.set_index("name")["psnr"], "output": per_image.set_index("name")["psnr"]})
    table = table.dropna().assign(gain=lambda t: t["output"] - t["input"]).sort_values("gain")
    picks = list(dict.fromkeys([table.index[-1], table.index[len(table) // 2], table.index[0]]))[:n]
    return table.loc[picks]
