"""``Module`` and ``Parameter``: the containers every layer is built from.

A :class:`Module` finds its parameters by looking at its own attributes, in the order
they were assigned (as PyTorch does): a :class:`Parameter` attribute ``weight`` is named
``"weight"``, a sub-module attribute ``cell`` contributes ``"cell.weight_ih"`` and so on,
and a list of modules ``layers`` contributes ``"layers.0.weight"``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from microgradrnn.tensor import Tensor, TensorNode

Seed = int | np.random.Generator | None


def make_rng(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int seed, a Generator (used as is) or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class ParameterNode(TensorNode):
    """The graph node of a :class:`Parameter`: drawings find ``is_parameter`` on it."""

    __slots__ = ()
    # Read by the drawings (duck typing: they never import nn): drawn once, outside the steps.
    is_parameter = True


class Parameter(Tensor):
    """A tensor that a module learns: ``requires_grad=True``, ``label`` = its name.

    Args:
        data: the initial values (copied into a float64 array unless ``dtype`` says otherwise).
        label: the parameter's name, e.g. ``"weight_ih_l0"``; set by the module that owns it.
    """

    _node_class = ParameterNode
    is_parameter = True

    def __init__(self, data: Any, label: str | None = None, dtype: Any = None):
        data = data.data if isinstance(data, Tensor) else data
        dtype = np.float64 if dtype is None else dtype
        # np.array copies; the dtype goes to Tensor too, whose own default would make it float64
        super().__init__(np.array(data, dtype=dtype), requires_grad=True, dtype=dtype, label=label)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]


class Module:
    """Base class of every layer: parameters, train/eval mode, saving and loading weights.

    Subclasses assign :class:`Parameter` and :class:`Module` attributes in ``__init__``
    and implement ``forward``; calling the module calls ``forward``.
    """

    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # -- parameters ------------------------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute names (list items as ``name.i``)."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, own parameters first, then each sub-module's, dotted."""
        seen: set[int] = set()
        for name, p in self._named_parameters(prefix):
            if id(p) not in seen:  # a parameter shared by two modules is listed once
                seen.add(id(p))
                yield name, p

    def _named_parameters(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child._named_parameters(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        """Every parameter, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many numbers the module learns."""
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter."""
        for p in self.parameters():
            p.zero_grad()

    # -- modes -----------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active) for this module and all sub-modules; returns self."""
        self.training = mode
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off); returns self."""
        return self.train(False)

    # -- weights in and out ----------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, keyed by name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> None:
        """Copy values into the parameters, by name, in place (optimizers keep working).

        Values may be numpy arrays or anything ``numpy.asarray`` takes (a torch tensor
        included). With ``strict``, missing and unexpected keys are an error that lists
        them; a shape mismatch is always an error.
        """
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if unexpected:
                parts.append(f"unexpected keys {unexpected}")
            raise KeyError(
                f"load_state_dict into {type(self).__name__}: "
                + "; ".join(parts)
                + f" (expected keys: {list(own)})"
            )
        arrays = {}
        for name, p in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            if hasattr(value, "detach"):  # a torch tensor: leave autograd before numpy
                value = value.detach()
            value = np.asarray(value, dtype=p.data.dtype)
            if value.shape != p.shape:
                raise ValueError(
                    f"load_state_dict into {type(self).__name__}: {name!r} has shape {value.shape} "
                    f"in the state dict but {p.shape} in the module"
                )
            arrays[name] = value
        for name, value in arrays.items():  # only after every check passed: no half-loaded module
            own[name].data[...] = value

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to an ``.npz`` file (numpy's zip of arrays)."""
        np.savez(path, **self.state_dict())

    def load(self, path: str | os.PathLike, strict: bool = True) -> Module:
        """Read parameters written by :meth:`save`; returns self."""
        with np.load(path) as archive:
            self.load_state_dict({k: archive[k] for k in archive.files}, strict=strict)
        return self

    # -- printing --------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of ``repr``."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"
