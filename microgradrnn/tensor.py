"""The numpy engine: a ``Tensor`` is an array that remembers how it was made.

Each operation computes its result with numpy and returns a node whose backward
function, written right beside the forward, maps the gradient of the result to the
gradients of its inputs. When an input was broadcast, its gradient is summed back to
its own shape (:func:`unbroadcast`), once, in :meth:`Tensor._propagate`.

Semantics follow PyTorch: ``requires_grad`` defaults to False; an operation records
its inputs only when one of them requires grad and grad mode is on (see ``no_grad``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microgradrnn import graph
from microgradrnn.graph import Node
from microgradrnn.shapes import Axis, check_axis, reduction_args, unbroadcast

Grads = tuple["np.ndarray | None", ...]
BackwardFn = Callable[[np.ndarray], Grads]
Index = Any


def _as_array(data: Any, dtype: Any, default: Any = np.float64) -> np.ndarray:
    """``data`` as an array of ``dtype`` (``default`` when None; None keeps numpy's choice).

    Refuses what is not numbers, which numpy would quietly turn into NaN (None) or parse
    ("1.5"), or keep as an object array.
    """
    if type(data) is float or type(data) is int:  # the constants every operation mixes in
        return np.asarray(data, dtype=default if dtype is None else dtype)
    if data is None or isinstance(data, (str, bytes)):
        raise TypeError(f"a Tensor holds numbers, got {type(data).__name__} {data!r}")
    array = np.asarray(data)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"a Tensor holds numbers, got an array of dtype {array.dtype}: {data!r}")
    dtype = default if dtype is None else dtype
    return array if dtype is None else array.astype(dtype, copy=False)


class Tensor(Node):
    """A node holding a numpy array (float64 unless told otherwise).

    Args:
        data: anything ``numpy.asarray`` accepts, or another Tensor (its data is shared).
        requires_grad: whether gradients should be computed for this tensor.
        dtype: numpy dtype of the data; float64 by default.
        label: an optional name, shown in drawings and error messages.
    """

    __slots__ = ("data", "_grad", "_owns_grad", "requires_grad", "_backward")
    __array_ufunc__ = None  # make numpy scalars and arrays defer to our reflected operators

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str | None = None,
    ):
        if isinstance(data, Tensor):
            data = data.data
        self.data = _as_array(data, dtype)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self.data.dtype}")
        self._grad: np.ndarray | None = None
        self._owns_grad = False
        self.requires_grad = bool(requires_grad)
        self._backward: BackwardFn | None = None
        self._parents = ()
        self._op = ""
        self.label = label
        self.scope = graph._scope_path

    @staticmethod
    def _make(data: np.ndarray, parents: tuple[Tensor, ...], op: str, backward: BackwardFn) -> Tensor:
        """The result of an operation: records its parents only when a gradient is needed."""
        out = Tensor.__new__(Tensor)
        out.data = data
        out._grad = None
        out._owns_grad = False
        out._op = op
        out.label = None
        out.scope = graph._scope_path
        needs_grad = False
        for p in parents:
            needs_grad = needs_grad or p.requires_grad
        if needs_grad and graph._grad_enabled:
            out.requires_grad = True
            out._parents = parents
            out._backward = backward
        else:
            out.requires_grad = False
            out._parents = ()
            out._backward = None
        if graph._anomaly and not np.all(np.isfinite(data)):
            raise graph.anomaly_error(out, "result")
        return out

    # -- properties ----------------------------------------------------------------

    @property
    def grad(self) -> np.ndarray | None:
        """d(root)/d(this) after ``root.backward()``: an array of ``data``'s shape.

        Zeros until a backward pass reaches this tensor; None if it does not require grad.
        """
        if self._grad is None and self.requires_grad:
            self._grad = np.zeros_like(self.data)
            self._owns_grad = True
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        if value is not None:
            value = np.asarray(value, dtype=self.data.dtype)
            if value.shape != self.data.shape:
                raise ValueError(f"grad of shape {value.shape} for a tensor of shape {self.shape}")
        self._grad = value
        self._owns_grad = False

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (or under ``no_grad``), not by a recorded operation."""
        return self._backward is None

    @property
    def released(self) -> bool:
        """True once a backward pass released this tensor's part of the graph (see ``graph``)."""
        return self._backward is _released

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return self.transpose()

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self) -> float:
        """The single number of a one-element tensor."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied, as in PyTorch)."""
        return self.data

    def detach(self) -> Tensor:
        """The same data, cut from the graph: no gradient flows back through it."""
        return Tensor(self.data, label=self.label)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf, in place; returns the tensor."""
        if not self.is_leaf:
            raise RuntimeError("requires_grad_ can only change leaf tensors, not results of operations")
        self.requires_grad = bool(requires_grad)
        return self

    # -- elementwise arithmetic with broadcasting ----------------------------------

    def _operand(self, other: Any) -> Tensor:
        """``other`` as a Tensor: it takes this tensor's dtype, except beside integers.

        An integer tensor promotes as numpy does (int * 0.5 is float64), rather than
        truncating 0.5 to 0; a float32 tensor stays float32 beside a Python float.
        """
        if isinstance(other, Tensor):
            return other
        if np.issubdtype(self.data.dtype, np.floating):
            return Tensor(other, dtype=self.data.dtype)
        other = _as_array(other, None, default=None)
        return Tensor(other, dtype=np.result_type(self.data, other))

    def _binary(self, other: Tensor | float, op: str, fn: Callable, backward: Callable) -> Tensor:
        b = self._operand(other)
        try:
            data = fn(self.data, b.data)
        except ValueError:
            raise ValueError(
                f"shape mismatch in '{op}': {self.shape} and {b.shape} cannot be broadcast together"
            ) from None
        return Tensor._make(data, (self, b), op, backward(self, b, data))

    def __add__(self, other: Tensor | float) -> Tensor:
        return self._binary(other, "+", np.add, lambda a, b, out: lambda g: (g, g))

    def __sub__(self, other: Tensor | float) -> Tensor:
        return self._binary(other, "-", np.subtract, lambda a, b, out: lambda g: (g, -g))

    def __mul__(self, other: Tensor | float) -> Tensor:
        return self._binary(
            other,
            "*",
            np.multiply,
            lambda a, b, out: lambda g: (
                g * b.data if a.requires_grad else None,
                g * a.data if b.requires_grad else None,
            ),
        )

    def __truediv__(self, other: Tensor | float) -> Tensor:
        return self._binary(
            other,
            "/",
            np.divide,
            lambda a, b, out: lambda g: (
                g / b.data if a.requires_grad else None,
                -g * out / b.data if b.requires_grad else None,
            ),
        )

    def __pow__(self, other: Tensor | float) -> Tensor:
        def backward(a: Tensor, b: Tensor, out: np.ndarray) -> BackwardFn:
            def fn(g: np.ndarray) -> Grads:
                # 0 ** -0.5 has an infinite slope: let it be inf (detect_anomaly reports it).
                with np.errstate(divide="ignore", invalid="ignore"):
                    d_base = g * b.data * a.data ** (b.data - 1) if a.requires_grad else None
                    d_exp = None
                    if b.requires_grad:
                        d_exp = g * out * np.where(a.data > 0, np.log(np.abs(a.data)), 0.0)
                return d_base, d_exp

            return fn

        return self._binary(other, "**", np.power, backward)

    def __radd__(self, other: float) -> Tensor:
        return self._operand(other) + self

    def __rsub__(self, other: float) -> Tensor:
        return self._operand(other) - self

    def __rmul__(self, other: float) -> Tensor:
        return self._operand(other) * self

    def __rtruediv__(self, other: float) -> Tensor:
        return self._operand(other) / self

    def __rpow__(self, other: float) -> Tensor:
        return self._operand(other) ** self

    def __neg__(self) -> Tensor:
        return Tensor._make(-self.data, (self,), "neg", lambda g: (-g,))

    # -- matrix product ------------------------------------------------------------

    def __matmul__(self, other: Tensor) -> Tensor:
        b = self._operand(other)
        a = self
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul '@' needs at least 1-d operands, got {a.shape} @ {b.shape}")
        try:
            data = a.data @ b.data
        except ValueError:
            raise ValueError(
                f"shape mismatch in '@': {a.shape} @ {b.shape} (inner dimensions "
                f"{a.shape[-1]} and {b.shape[-2] if b.ndim > 1 else b.shape[0]} differ)"
            ) from None

        def backward(g: np.ndarray) -> Grads:
            # Treat vectors as a row (left) or a column (right) so one formula serves all.
            A = a.data if a.ndim > 1 else a.data[None, :]
            B = b.data if b.ndim > 1 else b.data[:, None]
            G = g[..., None] if b.ndim == 1 else g
            G = G[..., None, :] if a.ndim == 1 else G
            ga = gb = None
            if a.requires_grad:  # an input batch x in x @ W needs no gradient: skip its matmul
                ga = G @ np.swapaxes(B, -1, -2)
                if a.ndim == 1:
                    ga = ga.sum(axis=tuple(range(ga.ndim - 2)))[0] if ga.ndim > 2 else ga[0]
            if b.requires_grad:
                gb = np.swapaxes(A, -1, -2) @ G
                if b.ndim == 1:
                    gb = gb.sum(axis=tuple(range(gb.ndim - 2)))[:, 0] if gb.ndim > 2 else gb[:, 0]
            return ga, gb

        return Tensor._make(data, (a, b), "@", backward)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._operand(other) @ self

    # -- elementwise functions -----------------------------------------------------

    def exp(self) -> Tensor:
        out = np.exp(self.data)
        return Tensor._make(out, (self,), "exp", lambda g: (g * out,))

    def log(self) -> Tensor:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(self.data)
        return Tensor._make(out, (self,), "log", lambda g: (g / self.data,))

    def tanh(self) -> Tensor:
        t = np.tanh(self.data)
        return Tensor._make(t, (self,), "tanh", lambda g: (g * (1.0 - t * t),))

    def sigmoid(self) -> Tensor:
        # sigmoid(x) = (1 + tanh(x/2)) / 2: one transcendental, and tanh never overflows,
        # so it is exact at +-1000 without the two-branch exp trick.
        s = np.tanh(0.5 * self.data)
        s += 1.0
        s *= 0.5
        return Tensor._make(s, (self,), "sigmoid", lambda g: (g * s * (1.0 - s),))

    def relu(self) -> Tensor:
        mask = self.data > 0
        return Tensor._make(self.data * mask, (self,), "relu", lambda g: (g * mask,))

    # -- reductions ------------------------------------------------------------------

    def _expand_back(self, g: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
        """Give a reduced gradient back the reduced axes so it broadcasts to ``self``'s shape."""
        if axis is not None and not keepdims:
            axes = (axis,) if isinstance(axis, int) else tuple(axis)
            g = np.expand_dims(g, tuple(a % self.ndim for a in axes))
        elif axis is None and not keepdims:
            g = np.reshape(g, (1,) * self.ndim)
        return np.broadcast_to(g, self.shape)

    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Sum over ``axis`` (all axes by default); PyTorch's ``dim``/``keepdim`` work too."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim, self.shape)
        out = self.data.sum(axis=axis, keepdims=keepdims)
        return Tensor._make(
            np.asarray(out), (self,), "sum", lambda g: (self._expand_back(g, axis, keepdims),)
        )

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Mean over ``axis`` (all axes by default); PyTorch's ``dim``/``keepdim`` work too."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim, self.shape)
        out = np.asarray(self.data.mean(axis=axis, keepdims=keepdims))
        n = self.data.size // max(out.size, 1)
        # Divide the small reduced gradient, then broadcast it: no full-size division.
        return Tensor._make(out, (self,), "mean", lambda g: (self._expand_back(g / n, axis, keepdims),))

    def max(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Maximum over ``axis``; the gradient is shared equally among tied maxima.

        Returns the values only (PyTorch's ``max(dim)`` also returns indices: use numpy's
        ``argmax`` on ``.data`` for those).
        """
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim, self.shape)
        full = self.data.max(axis=axis, keepdims=True)
        out = full if keepdims else np.asarray(self.data.max(axis=axis, keepdims=False))

        def backward(g: np.ndarray) -> Grads:
            mask = self.data == full
            share = mask / mask.sum(axis=axis, keepdims=True)
            return (self._expand_back(g, axis, keepdims) * share,)

        return Tensor._make(out, (self,), "max", backward)

    # -- shape -----------------------------------------------------------------------

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same numbers in a new shape (one -1 allowed)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            out = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} into {shape}") from None
        return Tensor._make(out, (self,), "reshape", lambda g: (g.reshape(self.shape),))

    def transpose(self, *axes: int) -> Tensor:
        """Swap or permute axes.

        ``t.transpose(d0, d1)`` swaps two axes, as in PyTorch; ``t.transpose()`` reverses
        them all (``.T``); ``t.transpose(2, 0, 1)`` (one entry per axis) permutes, as in
        numpy and PyTorch's ``permute``.
        """
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2 and self.ndim >= 2:
            d0, d1 = (check_axis(a, self.shape) for a in axes)
            perm = list(range(self.ndim))
            perm[d0], perm[d1] = perm[d1], perm[d0]
            return self.permute(*perm)
        return self.permute(*axes) if axes else self.permute(*reversed(range(self.ndim)))

    def permute(self, *axes: int) -> Tensor:
        """The axes in the order ``axes`` gives: one entry per axis."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        perm = tuple(check_axis(a, self.shape) for a in axes)
        if sorted(perm) != list(range(self.ndim)):
            raise ValueError(f"transpose axes {tuple(axes)} do not permute the axes of shape {self.shape}")
        inverse = tuple(np.argsort(perm))
        return Tensor._make(
            self.data.transpose(perm), (self,), "transpose", lambda g: (g.transpose(inverse),)
        )

    def __getitem__(self, index: Index) -> Tensor:
        index, basic = _normalize_index(index)
        try:
            out = self.data[index]
        except IndexError as err:
            raise IndexError(f"index {index!r} into a tensor of shape {self.shape}: {err}") from None
        # A basic index gives a view. Of a leaf it is copied, so that later in-place updates
        # of the leaf's data (an optimizer step, a reused input buffer) cannot change this
        # result behind the graph's back; results of operations are not updated in place,
        # so their slices (an LSTM's four gates) stay views and cost no memory.
        out = np.array(out) if basic and self.is_leaf else np.asarray(out)
        # The gradient lands only on the indexed elements; _propagate adds it there in place,
        # so slicing a sequence into T steps costs O(T), not T full-size zero arrays.
        return Tensor._make(out, (self,), "getitem", lambda g: (IndexGrad(index, g, basic),))

    # -- softmax family --------------------------------------------------------------

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis`` (or PyTorch's ``dim``), stable for large logits."""
        axis = check_axis(axis if dim is None else dim, self.shape)
        z = np.exp(self.data - self.data.max(axis=axis, keepdims=True))
        s = z / z.sum(axis=axis, keepdims=True)
        return Tensor._make(
            s, (self,), "softmax", lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),)
        )

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """x - log(sum(exp(x))) along ``axis`` (or PyTorch's ``dim``), stable for large logits."""
        axis = check_axis(axis if dim is None else dim, self.shape)
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return Tensor._make(
            out,
            (self,),
            "log_softmax",
            lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),),
        )

    # -- back-propagation ----------------------------------------------------------

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every tensor this one depends on, releasing the graph as it goes.

        ``gradient`` is the upstream gradient, of this tensor's shape (PyTorch's name); it
        may be left out only for a tensor with a single element (a loss). The graph is
        released as the pass goes (intermediate tensors you hold keep their gradient)
        unless ``retain_graph`` or inside :func:`~microgradrnn.graph.keep_grads`: see
        :mod:`microgradrnn.graph`.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of this "
                "expression was created with requires_grad=True (or it was computed under no_grad)"
            )
        if gradient is None and self.data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {self.shape} needs an upstream gradient of that "
                "shape; for a loss, reduce it to one number first (e.g. .sum() or .mean())"
            )
        graph.backward(self, gradient, release=not retain_graph)

    def zero_grad(self) -> None:
        """Reset this tensor's gradient (to zeros on next read)."""
        self._grad = None

    def _reset_grad(self) -> None:
        self._grad = None

    def _release(self) -> None:
        self._parents = ()
        self._backward = _released

    def _seed(self, grad: Any) -> None:
        if grad is None:
            self._accumulate(np.ones_like(self.data), shared=False)
            return
        g = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
        if g.shape != self.shape:
            raise ValueError(f"upstream gradient of shape {g.shape} for a tensor of shape {self.shape}")
        self._accumulate(g, shared=True)

    def _accumulate(self, g: np.ndarray, shared: bool) -> None:
        """Add ``g`` to this tensor's gradient; ``shared`` says ``g`` may be referenced elsewhere.

        An array this tensor owns is added to in place; a shared one is never written.
        A leaf's .grad is updated in place by users (clipping, optimizers), so a leaf
        copies a shared array rather than alias it.
        """
        if self._backward is _released:
            raise graph.released_error(self)
        if self._grad is None:
            if shared and not self._parents:
                g, shared = np.array(g, dtype=self.data.dtype), False
            self._grad, self._owns_grad = g, not shared
        elif self._owns_grad:
            self._grad += g
        else:
            self._grad, self._owns_grad = self._grad + g, True

    def _accumulate_at(self, part: IndexGrad) -> None:
        """Add the gradient of the elements ``part.index`` picked out."""
        if self._backward is _released:
            raise graph.released_error(self)
        if self._grad is None:
            self._grad, self._owns_grad = np.zeros_like(self.data), True
        elif not self._owns_grad:
            self._grad, self._owns_grad = self._grad.copy(), True
        if part.basic:
            self._grad[part.index] += part.value  # basic indexing never repeats an element
        else:
            np.add.at(self._grad, part.index, part.value)  # scatter-add: repeats accumulate

    def _propagate(self) -> None:
        handed: set[int] = set()  # arrays already given to a parent in this call
        for parent, g in zip(self._parents, self._backward(self._grad)):
            if g is None or not parent.requires_grad:
                continue
            if type(g) is IndexGrad:
                if graph._anomaly and not np.all(np.isfinite(g.value)):
                    raise graph.anomaly_error(self, "gradient")
                parent._accumulate_at(g)
                continue
            g = np.asarray(g)  # numpy turns 0-d results into scalars
            if g.shape != parent.data.shape:
                g = unbroadcast(g, parent.data.shape)
            if graph._anomaly and not np.all(np.isfinite(g)):
                raise graph.anomaly_error(self, "gradient")
            # Shared: a view, this node's own gradient, or one array handed to two parents.
            shared = g.base is not None or g is self._grad or id(g) in handed or not g.flags.writeable
            handed.add(id(g))
            parent._accumulate(g, shared)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.label:
            extra += f", label={self.label!r}"
        return f"Tensor({body}{extra})"


def _released(g: np.ndarray) -> Grads:
    """The backward function of a tensor whose graph was released: never called, only compared."""
    raise AssertionError("a released tensor is never propagated")


class IndexGrad:
    """The gradient of ``tensor[index]``: ``value`` belongs at ``index`` of the tensor's gradient."""

    __slots__ = ("index", "value", "basic")

    def __init__(self, index: Index, value: np.ndarray, basic: bool):
        self.index, self.value, self.basic = index, value, basic


_BASIC_INDEX = (int, np.integer, slice, type(None), type(Ellipsis))


def _normalize_index(index: Index) -> tuple[Index, bool]:
    """The index with Tensors and lists made integer arrays, and whether it is basic.

    Basic indexing (ints, slices, None, ...) never picks an element twice; array
    indexing can, so its gradient needs a scatter-add.
    """
    parts = index if type(index) is tuple else (index,)
    if all(isinstance(p, _BASIC_INDEX) for p in parts):
        return index, True
    plain = tuple(
        p.data.astype(np.intp) if isinstance(p, Tensor) else np.asarray(p) if isinstance(p, list) else p
        for p in parts
    )
    return (plain if type(index) is tuple else plain[0]), False
