"""Shared by the nn tests: loading the stored PyTorch fixtures and replaying them on our modules."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from microgradrnn import Tensor

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_fixture(name: str) -> dict[str, np.ndarray]:
    with np.load(FIXTURES / f"{name}.npz") as archive:
        return {k: archive[k] for k in archive.files}


def params_of(fx: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The torch state dict stored in a fixture (keys without the ``param.`` prefix)."""
    return {k[len("param.") :]: v for k, v in fx.items() if k.startswith("param.")}


def leaves(fx: dict[str, np.ndarray], *names: str) -> dict[str, Tensor]:
    """Fresh tensors requiring grad for the fixture's inputs (x, h0, c0) that it has."""
    return {n: Tensor(fx[n].copy(), requires_grad=True) for n in names if n in fx}


def backward_with_upstream(fx: dict[str, np.ndarray], outputs: dict[str, Tensor]) -> None:
    """Back-propagate sum(up * output) over every output, as the fixture script did."""
    loss = None
    for key, out in outputs.items():
        term = (out * Tensor(fx["up." + key])).sum()
        loss = term if loss is None else loss + term
    loss.backward()


def assert_matches_fixture(
    fx, module, outputs: dict[str, Tensor], inputs: dict[str, Tensor], tol=1e-9
) -> None:
    """Outputs, parameter gradients and input/state gradients all equal torch's to ``tol``."""
    for key, out in outputs.items():
        np.testing.assert_allclose(out.data, fx[key], rtol=0, atol=tol, err_msg=f"output {key}")
    backward_with_upstream(fx, outputs)
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, fx["grad." + name], rtol=0, atol=tol, err_msg=f"grad of {name}")
    for name, t in inputs.items():
        np.testing.assert_allclose(t.grad, fx["grad." + name], rtol=0, atol=tol, err_msg=f"grad of {name}")
