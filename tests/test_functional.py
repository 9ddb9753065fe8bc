"""microgradrnn.functional at its edges: every reduction, every boundary of its input checks.

test_nn_functional compares the losses with PyTorch's numbers; these pin the edges: the
first and last valid class, index and probability, each reduction, each accepted shape.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgradrnn import Tensor, gradcheck
from microgradrnn import functional as F
from microgradrnn.functional import dropout_mask


def _log_probs(n: int = 3, c: int = 4, seed: int = 0) -> Tensor:
    rng = np.random.default_rng(seed)
    return Tensor(rng.normal(size=(n, c)), requires_grad=True).log_softmax(axis=1)


# -- nll_loss and cross_entropy --------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_picks_the_target_entries_under_every_reduction(reduction):
    lp = Tensor(np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25], [0.3, 0.3, 0.4]])), requires_grad=True)
    target = [2, 0, -100]
    losses = -np.log([0.7, 0.5])
    out = F.nll_loss(lp, target, reduction=reduction)
    expected = {"mean": losses.mean(), "sum": losses.sum(), "none": [losses[0], losses[1], 0.0]}[reduction]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    (out.sum() if reduction == "none" else out).backward()
    grad = np.zeros((3, 3))
    grad[0, 2] = grad[1, 0] = -1.0 / (2 if reduction == "mean" else 1)  # the mean counts 2 rows
    np.testing.assert_allclose(lp.grad, grad, rtol=1e-12)


def test_the_mean_counts_only_rows_not_ignored_and_any_ignore_index_works():
    lp = Tensor(np.log(np.full((4, 2), 0.5)))
    assert F.nll_loss(lp, [0, 1, 7, 7], ignore_index=7).item() == pytest.approx(math.log(2))
    assert F.nll_loss(lp, [0, 1, 7, 7], ignore_index=7, reduction="sum").item() == pytest.approx(
        2 * math.log(2)
    )
    # -1 is a class index error by default, padding when named
    with pytest.raises(IndexError, match="target -1 is out of range"):
        F.nll_loss(lp, [0, 1, -1, 0])
    assert F.nll_loss(lp, [-1, -1, -1, 0], ignore_index=-1).item() == pytest.approx(math.log(2))


@pytest.mark.parametrize("classes", [1, 2, 4])
def test_targets_zero_to_c_minus_one_are_accepted_and_c_is_not(classes):
    lp = Tensor(np.zeros((2, classes)))
    assert np.isfinite(F.nll_loss(lp, [0, classes - 1]).item())
    with pytest.raises(IndexError, match=rf"target {classes} is out of range for {classes} classes"):
        F.nll_loss(lp, [0, classes])
    with pytest.raises(IndexError, match=r"target -2 .*valid: 0\.\." + str(classes - 1)):
        F.nll_loss(lp, [-2, 0])


def test_targets_may_be_whole_floats_or_a_tensor_but_not_fractions():
    lp = _log_probs()
    want = F.nll_loss(lp, np.array([0, 3, 1])).item()
    assert F.nll_loss(lp, np.array([0.0, 3.0, 1.0])).item() == want
    assert F.nll_loss(lp, Tensor([0.0, 3.0, 1.0])).item() == want
    with pytest.raises(TypeError, match="class indices"):
        F.nll_loss(lp, [0.0, 2.5, 1.0])
    with pytest.raises(ValueError, match=r"targets of shape \(3,\) for 3 rows"):
        F.nll_loss(lp, [[0, 1, 2]])
    empty = Tensor(np.zeros((0, 4)))
    assert F.nll_loss(empty, np.zeros(0), reduction="sum").item() == 0.0


def test_unbatched_scores_with_one_target_and_the_shapes_refused():
    lp = Tensor(np.log([0.25, 0.75]), requires_grad=True)
    out = F.nll_loss(lp, 1)
    assert out.item() == pytest.approx(-math.log(0.75))
    out.backward()
    np.testing.assert_allclose(lp.grad, [0.0, -1.0])
    assert F.nll_loss(lp, Tensor(0.0)).item() == pytest.approx(-math.log(0.25))
    assert F.nll_loss(lp, 0, reduction="none").shape == (1,)
    for shape in [(2, 3, 4), ()]:
        with pytest.raises(ValueError, match=r"\(N, C\) or \(C,\)"):
            F.nll_loss(Tensor(np.zeros(shape)), 0)
    with pytest.raises(ValueError, match=r"logits of shape \(N, C\) or \(C,\), got \(\)"):
        F.cross_entropy(Tensor(0.0), 0)
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.nll_loss(lp, 1, reduction="mena")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_is_nll_of_log_softmax_with_its_arguments_passed_on(reduction):
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    target = [2, 5, 0, 1]
    got = F.cross_entropy(x, target, ignore_index=5, reduction=reduction)
    want = F.nll_loss(x.log_softmax(axis=-1), target, ignore_index=5, reduction=reduction)
    np.testing.assert_allclose(got.data, want.data, rtol=1e-12)
    assert gradcheck(lambda x: F.cross_entropy(x, target, ignore_index=5, reduction=reduction).sum(), [x])
    unbatched = F.cross_entropy(Tensor([1.0, 2.0, 3.0]), 2)
    assert unbatched.item() == pytest.approx(
        -math.log(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3)))
    )


# -- mse_loss ---------------------------------------------------------------------------------


def test_mse_loss_every_reduction_and_its_gradient():
    x = Tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    y = [[0.0, 2.0], [1.0, 1.0]]
    np.testing.assert_array_equal(F.mse_loss(x, y, reduction="none").data, [[1.0, 0.0], [4.0, 16.0]])
    assert F.mse_loss(x, y, reduction="sum").item() == 21.0
    loss = F.mse_loss(x, y)
    assert loss.item() == 21.0 / 4
    loss.backward()
    np.testing.assert_allclose(x.grad, [[0.5, 0.0], [1.0, 2.0]])
    t = Tensor([1.0, 1.0], requires_grad=True)
    F.mse_loss([3.0, 0.0], t, reduction="sum").backward()  # the target's side gets a gradient too
    np.testing.assert_allclose(t.grad, [-4.0, 2.0])
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(x, y, reduction="avg")


# -- linear ------------------------------------------------------------------------------------


def test_linear_with_and_without_bias_for_any_leading_shape():
    rng = np.random.default_rng(2)
    W = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    b = Tensor(rng.normal(size=3), requires_grad=True)
    for shape in [(4,), (2, 4), (5, 2, 4)]:
        x = rng.normal(size=shape)
        np.testing.assert_allclose(F.linear(x, W).data, x @ W.data.T, rtol=1e-12)
        np.testing.assert_allclose(F.linear(x, W, b).data, x @ W.data.T + b.data, rtol=1e-12)
    x = Tensor(rng.normal(size=(2, 4)), requires_grad=True)
    assert gradcheck(lambda x, W, b: (F.linear(x, W, b) ** 2).sum(), [x, W, b])
    with pytest.raises(
        ValueError, match=r"shape \(2, 3\) has last dimension 3, but weight of shape \(3, 4\)"
    ):
        F.linear(np.zeros((2, 3)), W)
    with pytest.raises(ValueError, match="last dimension None"):
        F.linear(Tensor(1.0), W)
    with pytest.raises(ValueError, match=r"last dimension 5, but weight of shape \(3, 4\) expects 4"):
        F.linear(np.zeros((2, 5)), W)  # wider than the weight, not only narrower


def test_linear_with_a_vector_weight_gives_one_number_per_row_as_in_pytorch():
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(F.linear(x, w).data, [4.0, 2.0])
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) expects 3"):
        F.linear(np.zeros((2, 4)), w)


# -- embedding ------------------------------------------------------------------------------------


def test_embedding_indices_zero_to_n_minus_one_and_nothing_else():
    W = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    out = F.embedding([0, 3], W)
    np.testing.assert_array_equal(out.data, [[0, 1, 2], [9, 10, 11]])
    for bad in (4, -1):
        with pytest.raises(IndexError, match=rf"index {bad} is out of range for 4 embeddings \(0..3\)"):
            F.embedding([0, bad], W)
    with pytest.raises(TypeError, match="integers"):
        F.embedding([0.0, 1.0], W)
    assert F.embedding(np.zeros((2, 0), dtype=int), W).shape == (2, 0, 3)
    assert F.embedding(Tensor(np.array([1, 2]), dtype=np.int64), W).shape == (2, 3)


@pytest.mark.parametrize("padding_idx", [None, 0, 2])
def test_embedding_gradient_scatter_adds_and_skips_only_the_padding_row(padding_idx):
    W = Tensor(np.zeros((4, 2)), requires_grad=True)
    idx = np.array([[0, 2, 2], [1, 0, 2]])
    F.embedding(idx, W, padding_idx=padding_idx).sum().backward()
    counts = np.array([2.0, 1.0, 3.0, 0.0])
    if padding_idx is not None:
        counts[padding_idx] = 0.0
    np.testing.assert_array_equal(W.grad, np.repeat(counts[:, None], 2, axis=1))


# -- dropout -----------------------------------------------------------------------------------------


class _FixedDraws:
    """A generator stand-in whose uniform draws are given, to test the keep rule at its edge."""

    def __init__(self, draws):
        self.draws = np.asarray(draws, dtype=float)

    def random(self, shape):
        return self.draws.reshape(shape)


def test_dropout_mask_keeps_a_draw_equal_to_p_and_drops_the_ones_below():
    mask = dropout_mask((4,), 0.25, _FixedDraws([0.0, 0.2499, 0.25, 0.9]))
    np.testing.assert_array_equal(mask.data, [0.0, 0.0, 1 / 0.75, 1 / 0.75])
    assert dropout_mask((2,), 0.25, _FixedDraws([0.5, 0.5]), np.float32).dtype == np.float32
    np.testing.assert_array_equal(dropout_mask((3,), 1.0, _FixedDraws([0.99] * 3)).data, 0.0)
    np.testing.assert_allclose(dropout_mask((2,), 0.9999, _FixedDraws([0.99995, 0.5])).data, [1e4, 0.0])


def test_dropout_probability_boundaries_and_modes():
    x = Tensor(np.ones((50, 40)), requires_grad=True)
    assert F.dropout(x, 0.0) is x and F.dropout(x, 0.7, training=False) is x
    zeros = F.dropout(x, 1.0, rng=0)
    np.testing.assert_array_equal(zeros.data, 0.0)
    for bad in (-0.01, 1.01):
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, bad)
    y = F.dropout(x, 0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(y.data, F.dropout(x, 0.5, rng=3).data)  # a seed or a Generator
    assert set(np.unique(y.data)) == {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the mask is the gradient
    kept = F.dropout(x, 0.1, rng=4).data
    assert 0.05 < (kept == 0).mean() < 0.15
    assert F.dropout(np.ones(3), 0.5, rng=0).shape == (3,)
    assert F.dropout(Tensor(np.ones(3), dtype=np.float32), 0.5, rng=0).dtype == np.float32


# -- one_hot ----------------------------------------------------------------------------------------


def test_one_hot_class_count_given_or_found_and_its_bounds():
    np.testing.assert_array_equal(F.one_hot([0, 2]).data, [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(F.one_hot([0, 2], 4).data, [[1, 0, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(F.one_hot(Tensor(np.array([1]), dtype=np.int64), 2).data, [[0, 1]])
    assert F.one_hot(np.zeros(0, dtype=int)).shape == (0, 0)
    assert F.one_hot(np.zeros(0, dtype=int), 3).shape == (0, 3)
    assert F.one_hot([0], 1).shape == (1, 1) and F.one_hot([0]).dtype == np.float64
    for indices, classes in [([0, 3], 3), ([0], 0), ([-1, 0], 2), ([-1], -1)]:
        with pytest.raises(IndexError, match="must lie in"):
            F.one_hot(indices, classes)
    with pytest.raises(TypeError, match="integers"):
        F.one_hot([0.0, 1.0])


def test_softmax_wrappers_take_dim_and_plain_arrays():
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    e = np.exp(x)
    np.testing.assert_allclose(F.softmax(x, dim=0).data, e / e.sum(axis=0))
    np.testing.assert_allclose(F.log_softmax(x, dim=0).data, np.log(e / e.sum(axis=0)))
    np.testing.assert_allclose(F.softmax(x).data, e / e.sum(axis=1, keepdims=True))
    cube = np.arange(12.0).reshape(2, 3, 2) / 4  # the default is the last axis, for any rank
    ec = np.exp(cube)
    np.testing.assert_allclose(F.softmax(cube).data, ec / ec.sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(F.log_softmax(cube).data, np.log(ec / ec.sum(axis=-1, keepdims=True)))


# -- the messages and checks at the edges mutation testing found unguarded -------------------------


def test_every_out_of_range_index_is_refused_and_the_first_bad_one_named():
    lp = Tensor(np.zeros((3, 3)))
    with pytest.raises(IndexError, match="target 5 is out of range"):
        F.nll_loss(lp, [0, 5, 7])  # the first of two bad targets
    with pytest.raises(IndexError, match="target -101 is out of range"):
        F.nll_loss(lp, [0, -101, 1])  # below the default ignore_index -100
    with pytest.raises(TypeError, match="class indices"):
        F.nll_loss(lp, [0.0, 1.6, 1.0])  # a fraction that rounds up
    W = Tensor(np.zeros((4, 2)))
    with pytest.raises(IndexError, match="index 5 is out of range"):
        F.embedding([1, 5], W)  # past the end, not only at it
    with pytest.raises(IndexError, match="index 4 is out of range"):
        F.embedding([1, 4, 6], W)  # the first bad one, not the first non-zero one
    with pytest.raises(IndexError, match="index -1 is out of range"):
        F.embedding([2, -1], W)
    with pytest.raises(IndexError, match=r"must lie in 0\.\.2, got 0\.\.3"):
        F.one_hot([0, 3], 3)
    with pytest.raises(IndexError, match=r"must lie in 0\.\.2, got 0\.\.5"):
        F.one_hot([0, 5], 3)


def test_an_ignored_row_counts_for_nothing_even_where_other_classes_have_log_probability_minus_inf():
    lp = Tensor([[0.0, -np.inf, -np.inf], [0.0, -np.inf, -np.inf]], requires_grad=True)
    loss = F.nll_loss(lp, [0, -100])
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(lp.grad, [[-1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def test_mse_refuses_any_shape_difference_including_a_broadcastable_one():
    for a, b in [((4, 3), (3, 4)), ((3, 4), (3, 1)), ((3,), (2, 3))]:
        with pytest.raises(ValueError, match="differ"):
            F.mse_loss(np.zeros(a), np.zeros(b))


def test_linear_names_the_last_dimension_of_a_batched_input():
    W = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"shape \(2, 5, 3\) has last dimension 3"):
        F.linear(np.zeros((2, 5, 3)), W)


def test_dropout_drops_half_by_default():
    y = F.dropout(Tensor(np.ones((100, 100))), rng=0).data
    assert set(np.unique(y)) == {0.0, 2.0} and abs((y == 0).mean() - 0.5) < 0.03
