"""Time the papers' public code itself beside ours: same machine, same process, same minutes.

The issues compare our speed with figures the public code reached "on this
kind of machine" (UEGAN: 682 ms forward, 1289 ms step; BNCAGAN: 567 ms and
1793 ms).  Those figures come from another session, perhaps on another
processor and with another PyTorch.  ``bench_uegan.py`` and
``bench_bncagan.py`` rebuild the public code's organisation from our modules,
which measures our changes but not the public code.  This script imports the
public repositories' own ``models.py`` and ``losses.py`` from checkouts you
provide and times them round-robin against our recipes, so that the ratio
"ours / public" is measured, not inferred:

* generator forward on one 3 x 512 x 512 image (public: ``torch.no_grad``,
  as its tester; ours: ``torch.inference_mode``, as ``enhance``);
* one training step at batch 4 of 128 x 128 crops: the body of the public
  trainer's loop (``trainer.py``), written out here because the trainer
  itself needs the repositories' data loaders, against our
  ``train_step``.

Settings shared by both sides: 2 threads, float32, a random-weight VGG-19
for the public losses (as in the public figures; no weights are downloaded:
``torchvision.models.vgg19`` is replaced by the untrained architecture) and
a random-weight VGG-19 for ours, up to relu5_1 as our losses need it (the public
VGG runs all 16 convolutions), the public initialisation (orthogonal, gain
0.02), subnormal numbers flushed to zero for the whole process (see
``bench_bncagan.py``).  The public image pool lives in ``utils.py``, which
imports TensorFlow; ours (same rule: 50 images, swap with probability 1/2)
stands in for it on both sides.  Nothing of the public code is copied into
this project: without checkouts the script says how to get them and exits.

Usage::

    git clone https://github.com/eezkni/UEGAN            # once, with internet
    git clone https://github.com/SWU-CS-MediaLab/BNCAGAN
    .venv/bin/python scripts/bench_public_code.py --uegan-code UEGAN --bncagan-code BNCAGAN [--repeats 5]

or set ``ENHANCELIB_UEGAN_CODE`` / ``ENHANCELIB_BNCAGAN_CODE`` and run
``python scripts/record_benchmarks.py bench_public_code``.  The output names
each checkout by the SHA-256 of its two files, never by its path.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":  # not when a test imports this file
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from enhancelib.runtime import configure

    configure()  # passive OpenMP waiting and flush-to-zero, before torch is imported

import argparse  # noqa: E402
import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any, Callable  # noqa: E402

import torch  # noqa: E402
import torchvision  # noqa: E402

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

import bench_uegan  # noqa: E402
from enhancelib.nn.image_pool import ImagePool  # noqa: E402

# the public perceptual loss applies InstanceNorm2d(512) to every layer's features; PyTorch warns, harmlessly
warnings.filterwarnings("ignore", message="input's size at dim=1 does not match num_features")

REPOSITORIES = {"uegan": "eezkni/UEGAN", "bncagan": "SWU-CS-MediaLab/BNCAGAN"}
FILES = ("models.py", "losses.py")


class PublicCodeMissing(SystemExit):
    pass


def load_public(name: str, folder: Path) -> tuple[types.ModuleType, types.ModuleType, str]:
    """Import ``models.py`` and ``losses.py`` of one checkout under private module names."""
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise PublicCodeMissing(f"{folder.name}: no {', '.join(missing)} there. Give the folder of a checkout of "
                                f"https://github.com/{REPOSITORIES[name]} (the one holding {' and '.join(FILES)}).")
    digest = hashlib.sha256(b"".join((folder / f).read_bytes() for f in FILES)).hexdigest()[:12]
    sys.path.insert(0, str(folder))  # for imports between the checkout's own files
    try:
        loaded = [_import_with_stand_ins(f"public_{name}_{file[:-3]}", folder / file) for file in FILES]
    finally:
        sys.path.remove(str(folder))
    models, losses = loaded
    # the public VGG-19 asks torchvision for ImageNet weights (a download); the public figures used random ones
    losses.models = types.SimpleNamespace(vgg19=lambda *a, **k: torchvision.models.vgg19(weights=None))
    return models, losses, digest


class _StandIn(types.ModuleType):
    """An empty module: each name it is asked for is a function that refuses to run."""

    def __getattr__(self, attr: str) -> Callable[..., None]:
        if attr.startswith("__"):
            raise AttributeError(attr)

        def refuse(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"{self.__name__}.{attr} is a stand-in for a module missing from the checkout")
        return refuse


def _import_with_stand_ins(module_name: str, path: Path) -> types.ModuleType:
    """Import ``path``; a module it imports that exists nowhere gets an empty stand-in (said on stdout).

    The public BNCAGAN ``models.py`` imports ``common`` and ``tools``, which its
    repository does not contain and which none of its code uses.
    """
    for _ in range(10):
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            return module
        except ModuleNotFoundError as error:
            if not error.name or error.name in sys.modules or "." in error.name:
                raise
            print(f"note: {path.name} imports {error.name!r}, which is neither in the checkout nor installed; "
                  "an empty stand-in replaces it (a call into it would fail)")
            sys.modules[error.name] = _StandIn(error.name)
    raise ImportError(f"{path.name}: too many missing imports")


def public_init(net: torch.nn.Module, gain: float = 0.02) -> torch.nn.Module:
    """The public trainers' ``init_weights(net, 'orthogonal', gain=0.02)``: conv and linear layers."""
    for m in net.modules():
        name = type(m).__name__
        if hasattr(m, "weight") and ("Conv" in name or "Linear" in name):
            torch.nn.init.orthogonal_(m.weight.data, gain=gain)
            if getattr(m, "bias", None) is not None:
                torch.nn.init.constant_(m.bias.data, 0.0)
    return net


def parameters(net: torch.nn.Module) -> str:
    return f"{sum(p.numel() for p in net.parameters()) / 1e6:.3f} M"


def adam(net: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam(net.parameters(), lr=lr, betas=(0.5, 0.999), weight_decay=1e-4)


def random_batch() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return {k: torch.rand(4, 3, 128, 128) for k in ("low", "high")}


def under(mode: Callable[[], Any], fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` run inside the context manager ``mode()`` (``torch.no_grad``, ``torch.inference_mode``)."""
    def run() -> object:
        with mode():
            return fn()
    return run


Pair = tuple[str, Callable[[], object], str, Callable[[], object]]


def time_pair(paper: str, pairs: dict[str, Pair], published: dict[str, float], losses: str, repeats: int) -> None:
    """Time the public code and ours round-robin, the forward pass and then the training step.

    ``pairs[kind] = (public label, public call, our label, our call)`` for
    ``kind`` in ``forward`` and ``step``; each printed line starts with
    "<paper> public code, <kind>" or "<paper> ours, <kind>", which is how
    ``enhancelib.study.speed_records.public_code_comparison`` finds it.
    """
    titles = {"forward": "generator forward, 1 x 3 x 512 x 512",
              "step": f"training step (D + G, {losses}), batch 4 x 3 x 128 x 128"}
    for kind, (public_label, public, ours_label, ours) in pairs.items():
        times = bench_uegan.round_robin({f"{paper} public code, {kind} ({public_label})": public,
                                         f"{paper} ours, {kind} ({ours_label})": ours}, repeats)
        bench_uegan.report(f"{paper} {titles[kind]}", times, published[kind])


# ------------------------------------------------------------------------ the public trainers' loops
def public_training(models: types.ModuleType, losses: types.ModuleType) -> types.SimpleNamespace:
    """What both public trainers build (``build_model`` and the loss set-up) with their ``config.py`` defaults."""
    G = public_init(models.Generator(32, "none", "LeakyReLU", False))
    D = public_init(models.Discriminator(32, "none", "LeakyReLU", True, "rahinge"))
    batch = random_batch()
    return types.SimpleNamespace(
        G=G, D=D, g_opt=adam(G, 1e-4), d_opt=adam(D, 4e-4), pool=ImagePool(50),
        percep=losses.PerceptualLoss(), idt=losses.MultiscaleRecLoss(scale=3, rec_loss_type="l1", multiscale=True),
        gan=losses.GANLoss("rahinge", tensor=torch.FloatTensor),
        raw=batch["low"] * 2 - 1, exp=batch["high"] * 2 - 1)  # the public code works in [-1, 1]


def public_discriminator_step(t: types.SimpleNamespace, fake: torch.Tensor) -> None:
    """Both trainers' D update: a pooled fake and, with ``adv_input``, the input as a second fake."""
    stored = t.pool.query(fake)
    t.d_opt.zero_grad()
    real_preds = t.D(t.exp)
    d_loss = t.gan(real_preds, t.D(stored.detach()), None, None, for_discriminator=True)
    d_loss += t.gan(real_preds, t.D(t.raw), None, None, for_discriminator=True)
    d_loss.backward()
    t.d_opt.step()
    d_loss.item()


def uegan_public_step(models: types.ModuleType, losses: types.ModuleType) -> tuple[Callable[[], object], Any]:
    """The body of the public UEGAN trainer's loop."""
    t = public_training(models, losses)

    def step() -> None:
        t.G.train(), t.D.train()
        fake = t.G(t.raw)
        public_discriminator_step(t, fake)
        t.g_opt.zero_grad()
        g_loss = 0.1 * t.gan(t.D(t.exp), t.D(fake), None, None, for_discriminator=False)
        g_loss += 1.0 * t.percep((fake + 1.0) / 2.0, (t.raw + 1.0) / 2.0)
        g_loss += 0.1 * t.idt(t.G(t.exp), t.exp)
        g_loss.backward()
        t.g_opt.step()
        g_loss.item()

    return step, (t.G, t.D)


def bncagan_public_step(models: types.ModuleType, losses: types.ModuleType) -> tuple[Callable[[], object], Any]:
    """The body of the public BNCAGAN trainer's loop (two directions, logit loss, rho clipped after each step)."""
    t = public_training(models, losses)
    bce, clip_rho = torch.nn.BCEWithLogitsLoss(), models.RhoClipper(0, 1)

    def step() -> None:
        t.G.train(), t.D.train()
        fake, raw_logit, _, exp_idt, exp_logit, _ = t.G(t.raw, t.exp, "train")
        public_discriminator_step(t, fake)
        t.g_opt.zero_grad()
        g_loss = 0.1 * t.gan(t.D(t.exp), t.D(fake), None, None, for_discriminator=False)
        g_loss += 1.0 * t.percep((fake + 1.0) / 2.0, (t.raw + 1.0) / 2.0)
        g_loss += 1.0 * t.percep((exp_idt + 1.0) / 2.0, (t.exp + 1.0) / 2.0)
        g_loss += 0.1 * t.idt(fake, t.exp) + 0.1 * t.idt(exp_idt, t.raw)
        g_loss += 0.1 * (bce(raw_logit, torch.ones_like(raw_logit)) + bce(exp_logit, torch.zeros_like(exp_logit)))
        g_loss.backward()
        t.g_opt.step()
        g_loss.item()
        t.G.apply(clip_rho)

    return step, (t.G, t.D)


# ------------------------------------------------------------------------------------- both papers
@dataclass(frozen=True)
class Paper:
    name: str
    public_step: Callable[[types.ModuleType, types.ModuleType], tuple[Callable[[], object], Any]]
    public_forward: Callable[[torch.nn.Module, torch.Tensor], torch.Tensor]
    """How the public tester calls its generator on an image in [-1, 1]."""
    forward_label: str
    ours: str
    """Our benchmark script for the paper: its ``make_recipe`` and ``PUBLIC_MS``."""
    step_losses: str
    step_index: int


PAPERS = {
    "uegan": Paper("UEGAN", uegan_public_step, lambda G, x: G(x), "models.Generator, no_grad", "bench_uegan",
                   "VGG fidelity", 0),
    "bncagan": Paper("BNCAGAN", bncagan_public_step, lambda G, x: G(x, None, "test")[0], "models.Generator, test mode",
                     "bench_bncagan", "VGG perceptual both ways", 1),
}


def bench_pair(key: str, folder: Path, repeats: int) -> None:
    """Parameter counts, then the forward pass and the training step of the public code and ours, round-robin."""
    paper = PAPERS[key]
    ours_script = importlib.import_module(paper.ours)  # bench_bncagan flushes subnormals at import, as main() does
    models, losses, digest = load_public(key, folder)
    print(f"\n{paper.name}: public code {REPOSITORIES[key]} (models.py + losses.py, sha256 {digest})")
    public_step, (G_pub, D_pub) = paper.public_step(models, losses)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ours_script.make_recipe("random")
    print(f"parameters: public G {parameters(G_pub)} declared, D {parameters(D_pub)}; ours G {parameters(ours.G)}, "
          f"D {parameters(ours.D)}")
    x = torch.rand(1, 3, 512, 512)
    G_ours = type(ours.G)().eval()
    G_pub_eval = public_init(models.Generator(32, "none", "LeakyReLU", False)).eval()
    batch = random_batch()
    time_pair(paper.name, {
        "forward": (paper.forward_label, under(torch.no_grad, lambda: paper.public_forward(G_pub_eval, x * 2 - 1)),
                    f"{type(G_ours).__name__}, inference_mode", under(torch.inference_mode, lambda: G_ours(x))),
        "step": ("trainer.py's loop body", public_step,
                 f"{type(ours).__name__}.train_step", lambda: ours.train_step(batch, paper.step_index)),
    }, ours_script.PUBLIC_MS, paper.step_losses, repeats)


# ------------------------------------------------------------------------------------------- main
def checkout(value: str | None, variable: str) -> Path | None:
    value = value or os.environ.get(variable)
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise PublicCodeMissing(f"{variable or 'checkout'}: {folder.name!r} is not a folder.")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uegan-code", help="checkout of github.com/eezkni/UEGAN (or ENHANCELIB_UEGAN_CODE)")
    parser.add_argument("--bncagan-code", help="checkout of github.com/SWU-CS-MediaLab/BNCAGAN (or ENHANCELIB_BNCAGAN_CODE)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    uegan = checkout(args.uegan_code, "ENHANCELIB_UEGAN_CODE")
    bncagan = checkout(args.bncagan_code, "ENHANCELIB_BNCAGAN_CODE")
    if uegan is None and bncagan is None:
        raise PublicCodeMissing(
            "No public code to time. Clone https://github.com/eezkni/UEGAN and/or "
            "https://github.com/SWU-CS-MediaLab/BNCAGAN (once, with internet) and pass --uegan-code / "
            "--bncagan-code, or set ENHANCELIB_UEGAN_CODE / ENHANCELIB_BNCAGAN_CODE.")
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.get_num_threads()} threads, "
          f"float32, random-weight VGG, subnormals flushed to zero, {args.repeats} repeats, default allocator")
    for key, folder in (("uegan", uegan), ("bncagan", bncagan)):
        if folder is not None:
            bench_pair(key, folder, args.repeats)
    print("\nBoth lines of a block ran round-robin in the same minutes: their ratio is the measured comparison.")


if __name__ == "__main__":
    main()
