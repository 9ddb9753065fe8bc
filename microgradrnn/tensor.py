"""The numpy engine: a ``Tensor`` is an array that remembers how it was made.

Each operation computes its result with numpy and returns a node whose backward
function, written right beside the forward, maps the gradient of the result to the
gradients of its inputs. When an input was broadcast, its gradient is summed back to
its own shape (:func:`unbroadcast`), once, in :meth:`TensorNode._propagate`.

Semantics follow PyTorch: ``requires_grad`` defaults to False; an operation records
its inputs only when one of them requires grad and grad mode is on (see ``no_grad``).
"""

from __future__ import annotations

import weakref
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


class TensorNode(Node):
    """What the graph keeps of a tensor: parents, op, gradient and backward function.

    A :class:`Tensor` is the array you hold; its node is what the tensors made from it
    point to (``y._parents`` are the nodes of ``y``'s inputs). The two are separate so
    that an intermediate array can be freed while the graph still needs its node: the
    node of an operation's result holds the array only weakly, so the array lives while
    you hold the Tensor or a backward function needs it (sigmoid keeps its output, ``*``
    its inputs, ``+`` nothing). Leaves hold theirs; inside
    :func:`~microgradrnn.graph.keep_grads` every node holds its array, for drawings.

    ``data`` is the array, or None once it was freed; ``shape`` and ``dtype`` stay.
    """

    __slots__ = ("_data", "_ref", "shape", "dtype", "requires_grad", "_backward", "_grad", "_owns_grad")

    def _hold(self, data: np.ndarray, strong: bool) -> None:
        self.shape, self.dtype = data.shape, data.dtype
        self._data, self._ref = data, None
        if not strong:
            try:
                self._data, self._ref = None, weakref.ref(data)
            except TypeError:  # numpy scalars (0-d results of ufuncs) take no weak reference
                pass

    @property
    def data(self) -> np.ndarray | None:
        """The array, or None when nothing needed it any more and it was freed."""
        if self._data is not None:
            return self._data
        return None if self._ref is None else self._ref()

    @property
    def grad(self) -> np.ndarray | None:
        """d(root)/d(this) after ``root.backward()``: an array of ``shape``.

        Zeros until a backward pass reaches this node; None if it does not require grad.
        """
        if self._grad is None and self.requires_grad:
            self._grad = np.zeros(self.shape, dtype=self.dtype)
            self._owns_grad = True
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        if value is not None:
            value = np.asarray(value, dtype=self.dtype)
            if value.shape != self.shape:
                raise ValueError(f"grad of shape {value.shape} for a tensor of shape {self.shape}")
        self._grad = value
        self._owns_grad = False

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    @property
    def released(self) -> bool:
        return self._backward is _released

    def _reset_grad(self) -> None:
        self._grad = None

    def _release(self) -> None:
        self._parents = ()
        self._backward = _released

    def _seed(self, grad: Any) -> None:
        if grad is None:
            self._accumulate(np.ones(self.shape, dtype=self.dtype), shared=False)
            return
        g = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
        if g.shape != self.shape:
            raise ValueError(f"upstream gradient of shape {g.shape} for a tensor of shape {self.shape}")
        self._accumulate(g, shared=True)

    def _accumulate(self, g: np.ndarray, shared: bool) -> None:
        """Add ``g`` to this node's gradient; ``shared`` says ``g`` may be referenced elsewhere.

        An array this node owns is added to in place; a shared one is never written.
        A leaf's .grad is updated in place by users (clipping, optimizers), so a leaf
        copies a shared array rather than alias it.
        """
        if self._backward is _released:
            raise graph.released_error(self)
        if self._grad is None:
            if shared and not self._parents:
                g, shared = np.array(g, dtype=self.dtype), False
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
            self._grad, self._owns_grad = np.zeros(self.shape, dtype=self.dtype), True
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
            if g.shape != parent.shape:
                g = unbroadcast(g, parent.shape)
            if graph._anomaly and not np.all(np.isfinite(g)):
                raise graph.anomaly_error(self, "gradient")
            # Shared: a view, this node's own gradient, or one array handed to two parents.
            shared = g.base is not None or g is self._grad or id(g) in handed or not g.flags.writeable
            handed.add(id(g))
            parent._accumulate(g, shared)

    def __repr__(self) -> str:
        return f"TensorNode({graph.describe(self)}, shape={self.shape})"


class Tensor:
    """A numpy array (float64 unless told otherwise) that remembers how it was made.

    Args:
        data: anything ``numpy.asarray`` accepts, or another Tensor (its data is shared).
        requires_grad: whether gradients should be computed for this tensor.
        dtype: numpy dtype of the data; float64 by default.
        label: an optional name, shown in drawings and error messages.

    The graph protocol (``_parents``, ``_op``, ``label``, ``scope``, ``grad``) is read
    from the tensor's :class:`TensorNode`, ``t._node``.
    """

    __slots__ = ("_data", "_node", "__weakref__")
    __array_ufunc__ = None  # make numpy scalars and arrays defer to our reflected operators
    _node_class: type[TensorNode] = TensorNode  # a subclass may mark its nodes (nn.Parameter)

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str | None = None,
    ):
        if isinstance(data, Tensor):
            data = data._data
        self._data = data = _as_array(data, dtype)
        if requires_grad and not np.issubdtype(data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require grad, got dtype {data.dtype}")
        node = self._node = self._node_class.__new__(self._node_class)
        node._hold(data, strong=True)
        node._grad = None
        node._owns_grad = False
        node.requires_grad = bool(requires_grad)
        node._backward = None
        node._parents = ()
        node._op = ""
        node.label = label
        node.scope = graph._scope_path

    @staticmethod
    def _make(data: np.ndarray, parents: tuple[Tensor, ...], op: str, backward: BackwardFn) -> Tensor:
        """The result of an operation: records its parents only when a gradient is needed.

        ``backward`` must not refer to the Tensors in ``parents`` (only to the arrays it
        needs), or it would keep their arrays alive for the whole graph's life.
        """
        node = TensorNode.__new__(TensorNode)
        node._grad = None
        node._owns_grad = False
        node._op = op
        node.label = None
        node.scope = graph._scope_path
        needs_grad = False
        for p in parents:
            needs_grad = needs_grad or p._node.requires_grad
        if needs_grad and graph._grad_enabled:
            node.requires_grad = True
            node._parents = tuple(p._node for p in parents)
            node._backward = backward
            node._hold(data, strong=graph._keep)
        else:
            node.requires_grad = False
            node._parents = ()
            node._backward = None
            node._hold(data, strong=True)
        out = Tensor.__new__(Tensor)
        out._data = data
        out._node = node
        if graph._anomaly and not np.all(np.isfinite(data)):
            raise graph.anomaly_error(node, "result")
        return out

    # -- the graph protocol, read from the node ---------------------------------------

    @property
    def data(self) -> np.ndarray:
        """The numpy array."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        value = _as_array(value, None, default=None)
        self._data = value
        self._node._hold(value, strong=self._node._data is not None)

    @property
    def _parents(self) -> tuple[TensorNode, ...]:
        return self._node._parents

    @property
    def _op(self) -> str:
        return self._node._op

    @property
    def label(self) -> str | None:
        return self._node.label

    @label.setter
    def label(self, value: str | None) -> None:
        self._node.label = value

    @property
    def scope(self) -> tuple[str, ...]:
        return self._node.scope

    @property
    def _prev(self) -> set[TensorNode]:
        """The parents as a set: the name micrograd uses, so its drawing code runs on our graphs."""
        return set(self._node._parents)

    def named(self, label: str) -> Tensor:
        """Set :attr:`label` and return the tensor, for use inside expressions."""
        self._node.label = label
        return self

    @property
    def requires_grad(self) -> bool:
        return self._node.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def grad(self) -> np.ndarray | None:
        """d(root)/d(this) after ``root.backward()``: an array of ``data``'s shape.

        Zeros until a backward pass reaches this tensor; None if it does not require grad.
        """
        return self._node.grad

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        self._node.grad = value

    @property
    def _grad(self) -> np.ndarray | None:
        """The gradient as stored: None where ``grad`` would make zeros."""
        return self._node._grad

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (or under ``no_grad``), not by a recorded operation."""
        return self._node.is_leaf

    @property
    def released(self) -> bool:
        """True once a backward pass released this tensor's part of the graph (see ``graph``)."""
        return self._node.released

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return self.transpose()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def item(self) -> float:
        """The single number of a one-element tensor."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self._data.item()

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied, as in PyTorch)."""
        return self._data

    def detach(self) -> Tensor:
        """The same data, cut from the graph: no gradient flows back through it."""
        return Tensor(self._data, label=self.label)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf, in place; returns the tensor."""
        if not self.is_leaf:
            raise RuntimeError("requires_grad_ can only change leaf tensors, not results of operations")
        if requires_grad and not np.issubdtype(self._data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self.dtype}")
        self._node.requires_grad = bool(requires_grad)
        return self

    # -- elementwise arithmetic with broadcasting ----------------------------------
    #
    # Each backward function refers to the arrays it needs, never to the Tensors: the
    # arrays of inputs it does not need can then be freed (see TensorNode).

    def _operand(self, other: Any) -> Tensor:
        """``other`` as a Tensor: it takes this tensor's dtype, except beside integers.

        An integer tensor promotes as numpy does (int * 0.5 is float64), rather than
        truncating 0.5 to 0; a float32 tensor stays float32 beside a Python float.
        """
        if isinstance(other, Tensor):
            return other
        if np.issubdtype(self._data.dtype, np.floating):
            return Tensor(other, dtype=self._data.dtype)
        other = _as_array(other, None, default=None)
        return Tensor(other, dtype=np.result_type(self._data, other))

    def _binary(self, other: Tensor | float, op: str, fn: Callable, backward: Callable) -> Tensor:
        """``fn(a, b)`` as a node; ``backward(A, B, out, a_needs, b_needs)`` makes its backward."""
        b = self._operand(other)
        try:
            data = fn(self._data, b._data)
        except ValueError:
            raise ValueError(
                f"shape mismatch in '{op}': {self.shape} and {b.shape} cannot be broadcast together"
            ) from None
        a_needs, b_needs = self._node.requires_grad, b._node.requires_grad
        return Tensor._make(data, (self, b), op, backward(self._data, b._data, data, a_needs, b_needs))

    def __add__(self, other: Tensor | float) -> Tensor:
        return self._binary(other, "+", np.add, lambda A, B, out, da, db: lambda g: (g, g))

    def __sub__(self, other: Tensor | float) -> Tensor:
        return self._binary(other, "-", np.subtract, lambda A, B, out, da, db: lambda g: (g, -g))

    def __mul__(self, other: Tensor | float) -> Tensor:
        def backward(A: np.ndarray, B: np.ndarray, out: np.ndarray, da: bool, db: bool) -> BackwardFn:
            A, B = A if db else None, B if da else None  # keep only what a gradient needs
            return lambda g: (g * B if da else None, g * A if db else None)

        return self._binary(other, "*", np.multiply, backward)

    def __truediv__(self, other: Tensor | float) -> Tensor:
        def backward(A: np.ndarray, B: np.ndarray, out: np.ndarray, da: bool, db: bool) -> BackwardFn:
            out = out if db else None
            return lambda g: (g / B if da else None, -g * out / B if db else None)

        return self._binary(other, "/", np.divide, backward)

    def __pow__(self, other: Tensor | float) -> Tensor:
        def backward(A: np.ndarray, B: np.ndarray, out: np.ndarray, da: bool, db: bool) -> BackwardFn:
            def fn(g: np.ndarray) -> Grads:
                # 0 ** -0.5 has an infinite slope: let it be inf (detect_anomaly reports it).
                with np.errstate(divide="ignore", invalid="ignore"):
                    d_base = g * B * A ** (B - 1) if da else None
                    d_exp = g * out * np.where(A > 0, np.log(np.abs(A)), 0.0) if db else None
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
        return Tensor._make(-self._data, (self,), "neg", lambda g: (-g,))

    # -- matrix product ------------------------------------------------------------

    def __matmul__(self, other: Tensor) -> Tensor:
        b = self._operand(other)
        a = self
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul '@' needs at least 1-d operands, got {a.shape} @ {b.shape}")
        try:
            data = a._data @ b._data
        except ValueError:
            raise ValueError(
                f"shape mismatch in '@': {a.shape} @ {b.shape} (inner dimensions "
                f"{a.shape[-1]} and {b.shape[-2] if b.ndim > 1 else b.shape[0]} differ)"
            ) from None
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        a_needs, b_needs = a._node.requires_grad, b._node.requires_grad
        # Treat vectors as a row (left) or a column (right) so one formula serves all. An
        # input batch x in x @ W needs no gradient: W is then not kept, nor its matmul done.
        A = (a._data[None, :] if a_vec else a._data) if b_needs else None
        B = (b._data[:, None] if b_vec else b._data) if a_needs else None

        def backward(g: np.ndarray) -> Grads:
            G = g[..., None] if b_vec else g
            G = G[..., None, :] if a_vec else G
            ga = gb = None
            if a_needs:
                ga = G @ np.swapaxes(B, -1, -2)
                if a_vec:
                    ga = ga.sum(axis=tuple(range(ga.ndim - 2)))[0] if ga.ndim > 2 else ga[0]
            if b_needs:
                gb = np.swapaxes(A, -1, -2) @ G
                if b_vec:
                    gb = gb.sum(axis=tuple(range(gb.ndim - 2)))[:, 0] if gb.ndim > 2 else gb[:, 0]
            return ga, gb

        return Tensor._make(data, (a, b), "@", backward)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._operand(other) @ self

    # -- elementwise functions -----------------------------------------------------

    def exp(self) -> Tensor:
        out = np.exp(self._data)
        return Tensor._make(out, (self,), "exp", lambda g: (g * out,))

    def log(self) -> Tensor:
        x = self._data
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(x)
        return Tensor._make(out, (self,), "log", lambda g: (g / x,))

    def tanh(self) -> Tensor:
        t = np.tanh(self._data)
        return Tensor._make(t, (self,), "tanh", lambda g: (g * (1.0 - t * t),))

    def sigmoid(self) -> Tensor:
        # sigmoid(x) = (1 + tanh(x/2)) / 2: one transcendental, and tanh never overflows,
        # so it is exact at +-1000 without the two-branch exp trick.
        s = np.tanh(0.5 * self._data)
        s += 1.0
        s *= 0.5
        return Tensor._make(s, (self,), "sigmoid", lambda g: (g * s * (1.0 - s),))

    def relu(self) -> Tensor:
        mask = self._data > 0
        return Tensor._make(self._data * mask, (self,), "relu", lambda g: (g * mask,))

    # -- reductions ------------------------------------------------------------------

    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Sum over ``axis`` (all axes by default); PyTorch's ``dim``/``keepdim`` work too."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim, self.shape)
        out = self._data.sum(axis=axis, keepdims=keepdims)
        shape = self.shape
        return Tensor._make(
            np.asarray(out), (self,), "sum", lambda g: (_expand_back(g, shape, axis, keepdims),)
        )

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Mean over ``axis`` (all axes by default); PyTorch's ``dim``/``keepdim`` work too."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim, self.shape)
        out = np.asarray(self._data.mean(axis=axis, keepdims=keepdims))
        n = self._data.size // max(out.size, 1)
        shape = self.shape
        # Divide the small reduced gradient, then broadcast it: no full-size division.
        return Tensor._make(out, (self,), "mean", lambda g: (_expand_back(g / n, shape, axis, keepdims),))

    def max(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Maximum over ``axis``; the gradient is shared equally among tied maxima.

        Returns the values only (PyTorch's ``max(dim)`` also returns indices: use numpy's
        ``argmax`` on ``.data`` for those).
        """
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim, self.shape)
        x = self._data
        full = x.max(axis=axis, keepdims=True)
        out = full if keepdims else np.asarray(x.max(axis=axis, keepdims=False))

        def backward(g: np.ndarray) -> Grads:
            mask = x == full
            share = mask / mask.sum(axis=axis, keepdims=True)
            return (_expand_back(g, x.shape, axis, keepdims) * share,)

        return Tensor._make(out, (self,), "max", backward)

    # -- shape -----------------------------------------------------------------------

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same numbers in a new shape (one -1 allowed)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            out = self._data.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} into {shape}") from None
        before = self.shape
        return Tensor._make(out, (self,), "reshape", lambda g: (g.reshape(before),))

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
            self._data.transpose(perm), (self,), "transpose", lambda g: (g.transpose(inverse),)
        )

    def __getitem__(self, index: Index) -> Tensor:
        index, basic = _normalize_index(index)
        try:
            out = self._data[index]
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
        z = np.exp(self._data - self._data.max(axis=axis, keepdims=True))
        s = z / z.sum(axis=axis, keepdims=True)
        return Tensor._make(
            s, (self,), "softmax", lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),)
        )

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """x - log(sum(exp(x))) along ``axis`` (or PyTorch's ``dim``), stable for large logits."""
        axis = check_axis(axis if dim is None else dim, self.shape)
        shifted = self._data - self._data.max(axis=axis, keepdims=True)
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
        if not self._node.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of this "
                "expression was created with requires_grad=True (or it was computed under no_grad)"
            )
        if gradient is None and self._data.size != 1:
            raise RuntimeError(
                f"backward() on a tensor of shape {self.shape} needs an upstream gradient of that "
                "shape; for a loss, reduce it to one number first (e.g. .sum() or .mean())"
            )
        graph.backward(self._node, gradient, release=not retain_graph)

    def zero_grad(self) -> None:
        """Reset this tensor's gradient (to zeros on next read)."""
        self._node._grad = None

    def __repr__(self) -> str:
        body = np.array2string(self._data, precision=4, separator=", ", threshold=20)
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.label:
            extra += f", label={self.label!r}"
        return f"Tensor({body}{extra})"


def _expand_back(g: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back the reduced axes so it broadcasts to ``shape``."""
    if axis is not None and not keepdims:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    elif axis is None and not keepdims:
        g = np.reshape(g, (1,) * len(shape))
    return np.broadcast_to(g, shape)


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
        p._data.astype(np.intp) if isinstance(p, Tensor) else np.asarray(p) if isinstance(p, list) else p
        for p in parts
    )
    return (plain if type(index) is tuple else plain[0]), False
