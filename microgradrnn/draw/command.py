"""``microgradrnn draw``: a picture of a small unrolled RNN, LSTM or GRU with random weights.

    microgradrnn draw lstm --steps 4 --hidden 3 --detail op -o lstm.svg
    microgradrnn draw gru --steps 50 --detail cell --grad -o gru.svg --chart gru-grad.svg

With ``--grad`` the loss 0.5 * ||h_T||^2 of the last step's output is back-propagated
first, so the colours show how the gradient fades (or grows) with distance from the end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from microgradrnn.draw.api import draw, grad_norm_chart
from microgradrnn.draw.rendering import GraphTooLargeError, GraphvizNotFoundError, save
from microgradrnn.nn.kinds import KINDS

FORMATS = (".svg", ".png", ".pdf", ".dot", ".gv")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``draw`` to the ``microgradrnn`` command."""
    p = subparsers.add_parser(
        "draw",
        help="draw an unrolled RNN/LSTM/GRU graph (SVG, PNG, PDF or DOT)",
        description="Unroll a small recurrent layer with random weights (seeded) and draw its graph.",
    )
    p.add_argument("kind", choices=tuple(KINDS), help="which recurrent layer")
    p.add_argument("--steps", "-T", type=int, default=4, help="time steps to unroll (default 4)")
    p.add_argument("--hidden", type=int, default=3, help="hidden size (default 3)")
    p.add_argument("--input", type=int, default=2, help="input size (default 2)")
    p.add_argument("--layers", type=int, default=1, help="stacked layers (default 1)")
    p.add_argument("--bidirectional", action="store_true", help="a forward and a reverse direction")
    p.add_argument("--detail", choices=("op", "cell"), default="op",
                   help="op: every operation; cell: one box per cell per step (default op)")
    p.add_argument("--grad", action="store_true",
                   help="back-propagate 0.5*||h_T||^2 first and colour by gradient magnitude")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and inputs (default 0)")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="TB",
                   help="time flows top to bottom (TB, the default) or left to right (LR)")
    p.add_argument("--max-nodes", type=int, default=None, help="node budget (default 400 op, 1000 cell)")
    p.add_argument("-o", "--output", default=None, metavar="FILE",
                   help="FILE.svg, .png, .pdf or .dot (default KIND.svg)")
    p.add_argument("--chart", default=None, metavar="FILE.svg",
                   help="with --grad: also write a chart of the hidden-state gradient norm per step")
    p.set_defaults(func=run_draw)


def build(kind: str, steps: int, hidden: int, input_size: int, layers: int = 1,
          bidirectional: bool = False, seed: int = 0, grad: bool = False) -> object:
    """Unroll the layer on a random input of shape (steps, 1, input_size); return the node to draw.

    The root is the loss 0.5 * ||h_T||^2 when ``grad`` (after its backward pass), else the
    output sequence (steps, 1, hidden * directions).
    """
    from microgradrnn import Tensor, keep_grads
    from microgradrnn.nn.kinds import layer as sequence_layer

    for name, value in (("--steps", steps), ("--hidden", hidden), ("--input", input_size),
                        ("--layers", layers)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    layer = sequence_layer(kind, input_size, hidden, num_layers=layers, bidirectional=bidirectional,
                           seed=seed)
    x = Tensor(np.random.default_rng(seed).normal(size=(steps, 1, input_size)), label="x")
    with keep_grads():  # drawn afterwards: every node's data (and gradient) stays
        output, _ = layer(x)
        if not grad:
            return output
        last = output[steps - 1]
        loss = (last * last).sum() * 0.5
        loss.label = "loss"
        loss.backward()
    return loss


def run_draw(args: argparse.Namespace) -> int:
    out = Path(args.output or f"{args.kind}.svg")
    if out.suffix.lower() not in FORMATS:
        print(f"error: cannot tell the format of {str(out)!r}: use one of {', '.join(FORMATS)}",
              file=sys.stderr)
        return 2
    try:
        root = build(args.kind, args.steps, args.hidden, args.input, args.layers, args.bidirectional,
                     args.seed, args.grad)
        title = (f"{args.kind.upper()} unrolled over {args.steps} steps, hidden {args.hidden}"
                 + (", coloured by gradient norm" if args.grad else ""))
        drawing = draw(root, detail=args.detail, rankdir=args.rankdir, max_nodes=args.max_nodes,
                       grad_color=args.grad, title=title)
        save(drawing, out)
    except (ValueError, GraphTooLargeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except GraphvizNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({drawing.node_count} nodes, {args.detail} level)")
    if args.chart:
        if not args.grad:
            print("note: --chart needs --grad; no chart written", file=sys.stderr)
        else:
            Path(args.chart).write_text(grad_norm_chart(root), encoding="utf-8")
            print(f"wrote {args.chart} (gradient norm of h at each step)")
    return 0
