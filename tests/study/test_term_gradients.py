"""The gradient of each loss term on the enhancer's weights (enhancelib.study.term_gradients)."""
import json

import pytest
import torch

from enhancelib.recipes.glenet_unpaired import GleNetUnpairedRecipe
from enhancelib.study.term_gradients import (TERM_GRADIENTS_FILE, load_term_gradients, recipe_term_gradients,
                                             term_gradient_norms)
from tests.recipes.glenet_fixtures import batch, make

torch.set_num_threads(1)


def test_norms_of_linear_terms_are_known():
    w = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    x = torch.tensor([3.0, 4.0, 0.0])
    constant = torch.tensor(7.0)
    out = term_gradient_norms({"linear": (3.0, (w * x).sum()), "square": (0.5, (w ** 2).sum()),
                               "constant": (2.0, constant)}, [w])
    # d(w.x)/dw = x, ||x|| = 5; d(|w|^2)/dw = 2w, ||2w|| = 2 * sqrt(5.25)
    assert out["linear"]["grad_norm"] == pytest.approx(5.0)
    assert out["linear"]["weighted_grad_norm"] == pytest.approx(15.0)
    assert out["square"]["grad_norm"] == pytest.approx(2 * 5.25 ** 0.5)
    assert out["square"]["weighted_grad_norm"] == pytest.approx(5.25 ** 0.5)
    assert out["constant"] == {"weight": 2.0, "value": 7.0, "grad_norm": 0.0, "weighted_grad_norm": 0.0}
    with pytest.raises(ValueError, match="scalar"):
        term_gradient_norms({"vector": (1.0, w * x)}, [w])
    with pytest.raises(ValueError, match="at least one parameter"):
        term_gradient_norms({"linear": (1.0, (w * x).sum())}, [])


def test_glenet_terms_on_the_enhancer(backbone):
    recipe = make(GleNetUnpairedRecipe, backbone, hq_identity_weight=2.0)
    for step in range(2):   # move GEN off the identity, so that every term has a gradient
        recipe.train_step(batch(), step)
    critics = [recipe.D_e, recipe.D_d]

    def freeze(flag):
        for critic in critics:
            critic.requires_grad_(flag)

    before = [p.detach().clone() for p in recipe.G_e.parameters()]
    table = recipe_term_gradients(recipe.generator_terms, recipe.G_e, [batch(), batch()], freeze)
    assert set(table.index) == {"g_e_adversarial", "g_e_identity", "g_e_hq_identity", "g_d_adversarial",
                                "g_d_identity", "g_e_cycle", "g_d_cycle"}
    assert (table["batches"] == 2).all()
    # the degrader's terms never reach G_e in the proposed scheme (the cyclic loss stops the gradient)
    for term in ("g_d_adversarial", "g_d_identity", "g_d_cycle"):
        assert table.loc[term, "weighted_grad_norm"] == 0.0
    for term in ("g_e_adversarial", "g_e_identity", "g_e_cycle"):
        assert table.loc[term, "weighted_grad_norm"] > 0
    assert table.loc["g_e_hq_identity", "weight"] == 2.0
    assert table.loc["g_e_hq_identity", "weighted_grad_norm"] == pytest.approx(2.0 * table.loc["g_e_hq_identity", "grad_norm"])
    # a measurement, not a step: the weights are unchanged, and the critics learn again afterwards
    assert all(torch.equal(a, p) for a, p in zip(before, recipe.G_e.parameters()))
    assert all(p.requires_grad for c in critics for p in c.parameters())


def test_recorded_table_round_trip(tmp_path):
    assert load_term_gradients(tmp_path) is None
    record = {"run": "glenet/x", "checkpoint_step": 12, "batches": 2,
              "terms": {"g_e_adversarial": {"weight": 1.0, "value": 3.0, "grad_norm": 4.0, "weighted_grad_norm": 4.0},
                        "g_e_identity": {"weight": 5.0, "value": 0.1, "grad_norm": 0.5, "weighted_grad_norm": 2.5}}}
    (tmp_path / TERM_GRADIENTS_FILE).write_text(json.dumps(record))
    table = load_term_gradients(tmp_path)
    assert list(table.index) == ["g_e_adversarial", "g_e_identity"]
    assert table.loc["g_e_identity", "weighted_grad_norm"] == 2.5
    assert table.attrs["checkpoint_step"] == 12 and "terms" not in table.attrs
