"""What every node of a computation graph shares, and the one backward driver.

A node is a :class:`~microgradrnn.value.Value` (one number) or the
:class:`~microgradrnn.tensor.TensorNode` of a :class:`~microgradrnn.tensor.Tensor` (a
numpy array; ``t._node``, and the Tensor reads the protocol from it). Both remember

* ``_parents``: the nodes it was computed from, as a tuple in argument order;
* ``_op``: the name of the operation that made it (``""`` for a leaf);
* ``label``: an optional name for drawings and error messages;
* ``scope``: the scope path active when it was made (``with scope("t=3"):``).

:func:`backward` walks the graph once in reverse topological order, found without
recursion, so a 10,000-step unrolled network back-propagates without ``RecursionError``.

What the graph keeps. A ``Value`` graph is kept whole: every node keeps its number and its
gradient (one float), so a scalar graph can be drawn and inspected after ``backward``. A
``Tensor`` graph keeps only what back-propagation needs: a tensor node holds its array
weakly, so an intermediate array lives while you hold its Tensor or a backward function
reads it. The backward pass *releases* the graph as it goes, as in PyTorch: once a node
has handed its gradient to its parents it forgets them and its backward function, and a
node nothing else refers to is freed at once, with its gradient. Leaves keep their
gradients, and so does every intermediate tensor you kept a name for (``hs.append(h)`` ...
``hs[3].grad`` works). Inside :func:`keep_grads` nothing is freed or released: every
node's array, the whole graph and every gradient stay, for drawings,
:func:`~microgradrnn.draw.hidden_grad_norms` and a second backward pass
(``backward(retain_graph=True)`` keeps the graph and the gradients only).

Calling ``backward`` twice without zeroing: on a kept graph (every ``Value`` graph, or a
``Tensor`` graph kept as above) every call computes the gradient of its root afresh
through the intermediate nodes and *adds* it to the leaves, so leaf gradients accumulate
(two calls give twice the gradient, as in PyTorch with ``retain_graph=True``) while each
intermediate node holds the gradient of the last call. On a released ``Tensor`` graph the
second call raises ``RuntimeError``, as PyTorch's does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_scope_path: tuple[str, ...] = ()
_grad_enabled: bool = True
_anomaly: bool = False
_keep: bool = False


class Node:
    """The graph protocol shared by ``Value`` and ``Tensor``.

    Subclasses implement ``_reset_grad`` (clear an intermediate's gradient before a
    pass), ``_seed(grad)`` (start a pass at the root) and ``_propagate`` (push this
    node's gradient into its parents), and may implement ``_release`` (forget the
    parents once propagated; see the module docstring).
    """

    __slots__ = ("_parents", "_op", "label", "scope", "__weakref__")

    def __init__(self, parents: tuple[Node, ...] = (), op: str = "", label: str | None = None):
        self._parents = parents
        self._op = op
        self.label = label
        self.scope = _scope_path

    @property
    def is_leaf(self) -> bool:
        """True for nodes made by the user rather than by an operation."""
        return not self._parents

    def _reset_grad(self) -> None:
        raise NotImplementedError

    def _seed(self, grad: Any) -> None:
        raise NotImplementedError

    def _propagate(self) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError

    @property
    def released(self) -> bool:
        """True once a backward pass released this node's part of the graph."""
        return False

    @property
    def _prev(self) -> set[Node]:
        """The parents as a set: the name micrograd uses, so its drawing code runs on our graphs."""
        return set(self._parents)

    def named(self, label: str) -> Node:
        """Set :attr:`label` and return the node, for use inside expressions."""
        self.label = label
        return self


def topological_order(root: Node | list[Node] | tuple[Node, ...]) -> list[Node]:
    """All nodes ``root`` depends on, parents before children, each once, ``root`` last.

    ``root`` may be a list of nodes (e.g. the outputs of every time step): their graphs
    are walked in turn. An iterative depth-first search: the explicit stack replaces
    recursion so the graph may be arbitrarily deep.
    """
    order: list[Node] = []
    seen: set[int] = set()
    # Any object with _parents is a node (the course's own scalar classes too): only a
    # list or tuple means several roots.
    for start in root if isinstance(root, (list, tuple)) else [root]:
        if getattr(start, "released", False):
            raise released_error(start)
        start = getattr(start, "_node", start)  # a Tensor's graph is its node's
        if id(start) in seen:
            continue
        seen.add(id(start))
        # The recursive "visit the parents, then append the node", with the recursion kept
        # in a list: each entry is a node and an iterator over the parents still to visit.
        stack = [(start, iter(start._parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append((parent, iter(parent._parents)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def backward(root: Node, grad: Any = None, release: bool = False) -> None:
    """Back-propagate from ``root``: fill ``.grad`` of every node it depends on.

    ``grad`` is the upstream gradient d(something)/d(root); it defaults to 1 for a
    scalar root. Leaf gradients accumulate across calls (see the module docstring).
    ``release``: each node forgets its parents right after propagating, unless inside
    :func:`keep_grads`.
    """
    order = topological_order(root)
    for node in order:
        if node._parents:
            node._reset_grad()
    root._seed(grad)
    if not release or _keep:
        for node in reversed(order):
            if node._parents:
                node._propagate()
        return
    # Drop each node from the order as it is done, so that once its parents are
    # forgotten too, nothing but the caller's own names keeps it (and its arrays) alive.
    for i in range(len(order) - 1, -1, -1):
        node, order[i] = order[i], None
        if node._parents:
            node._propagate()
            node._release()


@contextmanager
def keep_grads() -> Iterator[None]:
    """Graphs built and back-propagated inside this block keep every array and gradient.

    Tensor nodes made inside it hold their arrays (drawings then show every node's data);
    backward passes inside it release nothing, for reading ``.grad`` of intermediate
    tensors reached through the graph (drawings with ``grad_color=True``,
    :func:`~microgradrnn.draw.hidden_grad_norms`) and for calling ``backward`` more than
    once. Costs the memory of every array and every gradient at once.
    """
    global _keep
    saved = _keep
    _keep = True
    try:
        yield
    finally:
        _keep = saved


def keeping_grads() -> bool:
    """True inside :func:`keep_grads`."""
    return _keep


def released_error(node: Node) -> RuntimeError:
    """The error for back-propagating (or drawing) through a graph a backward pass released."""
    return RuntimeError(
        f"the graph behind {describe(node)} was released by an earlier backward(): build and "
        "back-propagate it inside `with keep_grads():` (or call backward(retain_graph=True)) "
        "to draw it, read its intermediate gradients or back-propagate through it again"
    )


class scope:  # noqa: N801 - used like a function: ``with scope("t=3"):``
    """Tag every node made inside the block with ``name`` (scopes nest).

    >>> with scope("t=3"):
    ...     with scope("lstm"):
    ...         h = x * w          # h.scope == ("t=3", "lstm")

    A class rather than a generator: recurrent layers enter several scopes per time step.
    """

    __slots__ = ("name", "_saved")

    def __init__(self, name: str):
        if not isinstance(name, str) or not name:
            raise ValueError(f"scope name must be a non-empty string, got {name!r}")
        self.name = name

    def __enter__(self) -> tuple[str, ...]:
        global _scope_path
        self._saved = _scope_path
        _scope_path = _scope_path + (self.name,)
        return _scope_path

    def __exit__(self, *exc: object) -> None:
        global _scope_path
        _scope_path = self._saved


def current_scope() -> tuple[str, ...]:
    """The scope path that new nodes are tagged with right now."""
    return _scope_path


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block, operations record no parents: nothing is back-propagated."""
    global _grad_enabled
    saved = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = saved


def is_grad_enabled() -> bool:
    """False inside :func:`no_grad`."""
    return _grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first operation whose result or gradient is NaN or inf.

    The error names the operation, its label and scope, so the culprit of a loss
    that became ``nan`` is found at once. It slows every operation a little.
    """
    global _anomaly
    saved = _anomaly
    _anomaly = True
    try:
        yield
    finally:
        _anomaly = saved


def anomaly_enabled() -> bool:
    """True inside :func:`detect_anomaly`."""
    return _anomaly


def describe(node: Node) -> str:
    """A short human description of a node: op, label and scope, for error messages."""
    what = f"'{node._op}'" if node._op else "leaf"
    if node.label:
        what += f" (label {node.label!r})"
    if node.scope:
        what += f" in scope {'/'.join(node.scope)}"
    return what


def anomaly_error(node: Node, kind: str) -> FloatingPointError:
    """The error :func:`detect_anomaly` raises for ``node``; ``kind`` is "result" or "gradient"."""
    return FloatingPointError(f"operation {describe(node)} produced a non-finite {kind} (nan or inf)")
