"""GleNet's two-stage unpaired training (paper 002, Sec. 3.2 "Unpaired learning", Sec. 4.2).

``glenet_unpaired``
    Stage 1 trains GEN as the enhancer ``G_e`` together with a degrader
    ``G_d`` (another GEN) and two critics, eqs. 4-5: WGAN-GP
    (``lambda_gp = 10``), identity (``lambda_i = 5``) and cyclic colour
    (``lambda_c = 50``) losses.  Stage 2 freezes both and trains LEN on pseudo
    pairs ``(G_e(G_d(I_HQ)), I_HQ)`` with eq. 3.  Stage 1 takes the first
    ``stage1_fraction`` of the run (the paper: 5,000 of 30,000 mini-batches);
    with ``use_len=False`` it takes the whole run.  ``scheme`` selects Table 5's
    rows: ``"proposed"``; ``"cycle"`` (CWGAN-GP: CycleGAN's cycle-consistency
    loss instead of the cyclic colour loss); ``"wgan_only"`` (adversarial loss
    only, no degrader; with ``use_len`` GEN & LEN are trained end to end by the
    adversarial loss, the paper's "GEN & LEN*").

``hq_identity_weight`` (ours, default 0: the paper's objective) adds
CycleGAN's identity term for the enhancer, ``||G_e(I_HQ) - I_HQ||_1``: a photo
that is already of high quality should pass unchanged.  The paper's identity
term ties ``G_e``'s output to its *low-quality* input only, so nothing in
eq. 5 says which photos need no change.

Decisions where the paper is silent or ambiguous (besides those shared with
paired training, listed in :mod:`enhancelib.recipes.glenet`):

* n_critic = 5 critic updates per generator update (WGAN-GP's Algorithm 1;
  the paper cites WGAN-GP and gives no value): the critics learn on every
  mini-batch, the generators on every 5th.  Each mini-batch counts as one
  of the paper's "mini-batches".
* Learning rate: the paper halves it every 10,000 of 30,000 mini-batches; the
  engine's schedule approximates this by a linear decay from a third of the run.
* The critic scores real and generated images in one batch (shared batch
  statistics), in its own step and in the generators' step; the paper does
  not say, and separate batches defeat a batch-normalised critic (see
  ``_score_pair``).  The gradient penalty is computed in float32 (outside
  autocast) on the batch of interpolates.

Cost: GEN and the critics see every crop resized to ``net_size`` (256 in the
paper), so their cost does not depend on the crop size; the gradient
penalty's double backward makes a critic step several times dearer than a
plain backward.  ``net_size=128`` quarters both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import torch
from torch import Tensor, nn

from enhancelib.losses.color import CycleConsistencyLoss, CyclicColorLoss, IdentityLoss
from enhancelib.losses.wasserstein import GradientPenalty, WassersteinCriticLoss, WassersteinGeneratorLoss
from enhancelib.models.glenet import GEN, GleCritic, GleNet
from enhancelib.nn.inverted_residual import NORMS
from enhancelib.recipes.base import Batch, RecipeOptions, option
from enhancelib.recipes.glenet import GleNetBase, GleNetPairedOptions, adam_with_kernel_l2, glenet_generator

__all__ = ["GleNetUnpairedOptions", "GleNetUnpairedRecipe", "SCHEMES"]

SCHEMES: tuple[str, ...] = ("proposed", "cycle", "wgan_only")


@dataclass(frozen=True)
class GleNetUnpairedOptions(GleNetPairedOptions):
    """The two-stage scheme's options besides the paired ones: Table 5's schemes, eqs. 4-5's weights, stages."""

    scheme: str = option("proposed", choices=SCHEMES)
    """Table 5's row: "proposed" (paper, eqs. 4-5), "cycle" (CWGAN-GP) or "wgan_only" (adversarial loss only)."""
    stage1_fraction: float = option(5_000 / 30_000, gt=0, lt=1)
    """Fraction of the run that is stage 1: 5,000 of 30,000 mini-batches (paper, Sec. 4.2)."""
    n_critic: int = option(5, ge=1)
    """Critic updates per generator update: 5 (ours, WGAN-GP's Algorithm 1; the paper gives no value)."""
    gp_weight: float = option(10.0, ge=0)
    """lambda_gp of eq. 4: 10 (paper, Sec. 4.2)."""
    identity_weight: float | None = option(None, ge=0)
    """lambda_i of eq. 5; None is the scheme's default: 5 (paper, Sec. 4.2), or 0 for "wgan_only"."""
    hq_identity_weight: float = option(0.0, ge=0)
    """CycleGAN's identity term for the enhancer, ||G_e(I_HQ) - I_HQ||_1 (ours; 0 is the paper's eq. 5)."""
    cycle_weight: float = option(50.0, ge=0)
    """lambda_c of eq. 5 (the cyclic colour or, with "cycle", the cycle-consistency loss): 50 (paper, Sec. 4.2)."""
    critic_norm: str = option("batch", choices=NORMS)
    """The critics' normalisation: batch norm, as GEN's body (paper, Sec. 3.2); "layer" (chapter 02) and "none"
    are ours."""


class GleNetUnpairedRecipe(GleNetBase):
    """The two-stage unpaired scheme (Sec. 3.2, 4.2: batch 8, 5,000 + 25,000 mini-batches)."""

    name: ClassVar[str] = "glenet_unpaired"
    needs_pairs: ClassVar[bool] = False
    options_type: ClassVar[type[RecipeOptions]] = GleNetUnpairedOptions
    options: GleNetUnpairedOptions
    lr_decay_start: ClassVar[float | None] = 1 / 3
    paper_overrides: ClassVar[Mapping[str, Mapping[str, Any]]] = {"gpu": {"batch_size": 8, "max_steps": 30_000}}
    kept_networks: ClassVar[tuple[str, ...]] = ("degrader",)   # G_d, for Fig. 9 and its analysis

    def build(self) -> None:
        o = self.options
        self.identity_weight = float(o.identity_weight if o.identity_weight is not None
                                     else (0.0 if o.scheme == "wgan_only" else 5.0))
        self.two_stage = o.use_len and o.scheme != "wgan_only"

        size, l2 = o.net_size, o.kernel_l2
        self.enhancer = glenet_generator(o)   # GEN & LEN: G_e is its GEN, initialised first as before
        self.G_e, self.local = self.enhancer.gen, self.enhancer.local
        self.D_e = GleCritic(size, norm=o.critic_norm)
        self.networks = {"enhancer": self.enhancer, "critic_e": self.D_e}
        critics: list[nn.Module] = [self.D_e]
        generators: list[nn.Module] = [self.enhancer] if not self.two_stage else [self.G_e]
        if o.scheme != "wgan_only":
            self.G_d = GEN(size, curve_mode=o.curve_mode, identity_init=o.identity_init)
            self.D_d = GleCritic(size, norm=o.critic_norm)
            self.networks.update(degrader=self.G_d, critic_d=self.D_d)
            critics.append(self.D_d)
            generators.append(self.G_d)
        self.optimizers = {
            "generators": adam_with_kernel_l2(generators, o.lr, l2),
            "critics": torch.optim.Adam([p for d in critics for p in d.parameters()], lr=o.lr),
        }
        if self.two_stage:
            assert self.local is not None
            self.optimizers["local"] = adam_with_kernel_l2([self.local], o.lr, l2)
        self.critic_loss, self.adversarial = WassersteinCriticLoss(), WassersteinGeneratorLoss()
        self.penalty = GradientPenalty(o.gp_weight)
        self.identity, self.cyclic, self.cycle = IdentityLoss(), CyclicColorLoss(), CycleConsistencyLoss()
        self._build_eq3(needed=self.two_stage)

    def generator(self) -> GleNet:
        return self.enhancer

    @property
    def stage(self) -> int:
        """1 (GANs train GEN) or 2 (LEN on pseudo pairs), from the run's progress."""
        return 2 if self.two_stage and self.progress >= self.options.stage1_fraction else 1

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        high = self._images(batch, "high")
        if self.stage == 2:
            return self._local_step(high)
        low = self._images(batch, "low")
        if low.shape[1:] != high.shape[1:]:
            raise ValueError(f"low {tuple(low.shape)} and high {tuple(high.shape)} crops must have the same size")
        logs = self._critic_step(low, high)
        if step % self.options.n_critic == 0:
            logs.update(self._generator_step(low, high))
        return logs

    # ---------------------------------------------------------------- stage 1
    def _enhance_for_gan(self, low: Tensor) -> Tensor:
        # G_e: GEN in the two-stage scheme; GEN (& LEN*) trained end to end in "wgan_only"
        return self.G_e(low) if self.two_stage else self.enhancer(low)

    @staticmethod
    def _score_pair(critic: nn.Module, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """Critic scores of real and fake images from ONE pass over both.

        With batch norm in the critic (the paper's choice), separate passes would
        normalise each batch by its own statistics and hide every difference
        between them that is shared by the batch, e.g. a global brightness change:
        measured, the critic then cannot tell dark from bright photos.
        """
        scores = critic(torch.cat([real, fake.to(real.dtype)]))
        return scores[: real.shape[0]], scores[real.shape[0]:]

    def _critic_loss(self, critic: nn.Module, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        with self.autocast():
            adv = self.critic_loss(*self._score_pair(critic, real, fake))
        # L_D = D(G(x)) - D(y) + lambda_gp (||grad D(y_bar)||_2 - 1)^2   (eq. 4)
        gp = self.penalty(critic, real.float(), fake.float())
        return adv, gp

    def _critic_step(self, low: Tensor, high: Tensor) -> dict[str, float]:
        with torch.no_grad(), self.autocast():
            fake_e = self._enhance_for_gan(low)
            fake_d = self.G_d(high) if self.options.scheme != "wgan_only" else None
        adv, gp = self._critic_loss(self.D_e, high, fake_e.float())
        loss = adv + gp
        logs = {"d_e_wasserstein": -float(adv.detach()), "d_e_gp": float(gp.detach())}
        if fake_d is not None:
            adv_d, gp_d = self._critic_loss(self.D_d, low, fake_d.float())
            loss = loss + adv_d + gp_d
            logs.update(d_d_wasserstein=-float(adv_d.detach()), d_d_gp=float(gp_d.detach()))
        self.optimise("critics", loss)
        return logs

    def generator_terms(self, low: Tensor, high: Tensor) -> dict[str, tuple[float, Tensor]]:
        """The terms of eq. 5 for both generators, by name: ``(weight, value)``; the loss is their weighted sum.

        Call with the critics frozen (``_generator_step`` does); used as is by
        :func:`enhancelib.study.term_gradients.term_gradient_norms`.
        """
        o, lam_i, lam_c = self.options, self.identity_weight, float(self.options.cycle_weight)
        terms: dict[str, tuple[float, Tensor]] = {}
        fake_e = self._enhance_for_gan(low)
        # L_Ge = -D_e(G_e(I_LQ)) + lambda_i ||G_e(I_LQ) - I_LQ||_1 + ...   (eq. 5)
        terms["g_e_adversarial"] = (1.0, self.adversarial(self._score_pair(self.D_e, high, fake_e)[1]))
        terms["g_e_identity"] = (lam_i, self.identity(fake_e, low))
        if o.hq_identity_weight > 0:
            # ours, CycleGAN's identity term: + lambda_hq ||G_e(I_HQ) - I_HQ||_1
            terms["g_e_hq_identity"] = (float(o.hq_identity_weight), self.identity(self._enhance_for_gan(high), high))
        if o.scheme != "wgan_only":
            fake_d = self.G_d(high)
            # L_Gd = -D_d(G_d(I_HQ)) + lambda_i ||G_d(I_HQ) - I_HQ||_1 + ...   (eq. 5)
            terms["g_d_adversarial"] = (1.0, self.adversarial(self._score_pair(self.D_d, low, fake_d)[1]))
            terms["g_d_identity"] = (lam_i, self.identity(fake_d, high))
            if o.scheme == "proposed":
                # cyclic colour: ||G_e(sg[G_d(I_HQ)]) - I_HQ||_1 and ||G_d(sg[G_e(I_LQ)]) - I_LQ||_1
                cyc_e, cyc_d = self.cyclic(self.G_e, fake_d, high), self.cyclic(self.G_d, fake_e, low)
            else:
                # CycleGAN: ||G_d(G_e(I_LQ)) - I_LQ||_1 + ||G_e(G_d(I_HQ)) - I_HQ||_1, through both
                cyc_e, cyc_d = self.cycle(self.G_d(fake_e), low), self.cycle(self.G_e(fake_d), high)
            terms["g_e_cycle"], terms["g_d_cycle"] = (lam_c, cyc_e), (lam_c, cyc_d)
        return terms

    def _generator_step(self, low: Tensor, high: Tensor) -> dict[str, float]:
        critics = [self.D_e] + ([self.D_d] if self.options.scheme != "wgan_only" else [])
        for critic in critics:
            critic.requires_grad_(False)
        with self.autocast():
            terms = self.generator_terms(low, high)
            loss = sum(weight * value for weight, value in terms.values())
        assert isinstance(loss, Tensor)
        self.optimise("generators", loss)
        for critic in critics:
            critic.requires_grad_(True)
        logs = {name: float(value.detach()) for name, (_, value) in terms.items()}
        logs["g_loss"] = float(loss.detach())
        return logs

    # ---------------------------------------------------------------- stage 2
    def _local_step(self, high: Tensor) -> dict[str, float]:
        assert self.local is not None
        self.G_e.eval()
        self.G_d.eval()
        with torch.no_grad(), self.autocast():
            # pseudo pair: (G_e(G_d(I_HQ)), I_HQ)
            pseudo = self.G_e(self.G_d(high))
        logs: dict[str, float] = {}
        with self.autocast():
            loss = self._eq3(self.local(pseudo.float()), high, logs, "len")
        self.optimise("local", loss)
        logs["len_loss"] = float(loss.detach())
        return logs
