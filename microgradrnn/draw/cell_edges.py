"""The edges of a cell-level drawing: state edges labelled h and c, buses, steps stacked in time."""

from __future__ import annotations

from typing import Any

from microgradrnn.draw.graph_view import step_of
from microgradrnn.draw.rendering import Drawing
from microgradrnn.draw.styles import ROLE_BORDERS

__all__ = ["BUS_MIN_STEPS", "Group", "cell_edges", "edge_style", "group_step", "stack_steps"]

# At cell level, a node outside the time steps linked to this many steps or more is drawn
# with a bus (see cell_edges) rather than one long edge per step.
BUS_MIN_STEPS = 6

Group = tuple[Any, ...]
"""A box of a cell-level drawing (see ``cell_level.cell_groups``)."""


def stack_steps(d: Drawing, edges: list[tuple[int, int, str]], order: list[Group]) -> None:
    """Rank each step's first boxes (its input x⟨t⟩, an embedding) after the previous step's cell.

    Left alone, dot ranks every input right below the weights, side by side: the steps of a
    sequence then spread across the page instead of down it.
    """
    steps = [group_step(g) for g in order]
    linked = {(gp, gi) for gp, gi, _ in edges}
    has_step_parent = {gi for gp, gi, _ in edges if steps[gp] is not None and steps[gp] == steps[gi]}
    by_step: dict[int, list[int]] = {}
    for k, t in enumerate(steps):
        if t is not None:
            by_step.setdefault(t, []).append(k)
    times = sorted(by_step)
    for before, after in zip(times, times[1:]):
        cells = [k for k in by_step[before] if order[k][0] == "cell"]
        anchor = (cells or by_step[before])[0]
        for k in by_step[after]:
            if k not in has_step_parent and (anchor, k) not in linked:
                d.edge(f"g{anchor}", f"g{k}", style="invis")


def group_step(gkey: Group) -> int | None:
    if gkey[0] in ("cell", "step", "slice"):
        return step_of(gkey[1])
    if gkey[0] == "input":
        return group_step(gkey[1])
    return None


def edge_style(label: str, source: Group) -> dict[str, str]:
    if label:
        return {"label": label, "penwidth": "1.6", "color": "#2f9e44" if label == "h" else "#1971c2"}
    if source[0] == "param":
        return {"color": ROLE_BORDERS["parameter"]}
    return {}


def cell_edges(d: Drawing, edges: list[tuple[int, int, str]], order: list[Group]) -> None:
    """Draw the edges between boxes; a node outside the steps that feeds (or collects from)
    many steps gets a bus: a chain of points along the steps with one short edge per step.

    Long edges are what makes dot slow (a parameter with an edge to each of 100 steps adds
    thousands of virtual nodes); the bus keeps every edge short and still shows the
    parameter reaching every step.
    """
    steps = [group_step(g) for g in order]
    fan_out: dict[int, list[tuple[int, int, str]]] = {}
    fan_in: dict[int, list[tuple[int, int, str]]] = {}
    for gp, gi, label in edges:
        if steps[gp] is None and steps[gi] is not None:
            fan_out.setdefault(gp, []).append((gp, gi, label))
        elif steps[gp] is not None and steps[gi] is None:
            fan_in.setdefault(gi, []).append((gp, gi, label))
    bused: set[tuple[int, int, str]] = set()
    for hub, hub_edges in fan_out.items():
        by_step = sorted({steps[gi] for _, gi, _ in hub_edges})  # type: ignore[type-var]
        if len(by_step) < BUS_MIN_STEPS:
            continue
        bused.update(hub_edges)
        style = edge_style("", order[hub])
        chain = [f"g{hub}"] + [f"b{hub}_{t}" for t in by_step]
        for name in chain[1:]:
            d.node(name, shape="point", width="0.04", color=style.get("color", "#495057"))
        for a, b in zip(chain, chain[1:]):
            d.edge(a, b, arrowhead="none", **style)
        for _, gi, label in hub_edges:
            d.edge(f"b{hub}_{steps[gi]}", f"g{gi}", **edge_style(label, order[hub]))
    for hub, hub_edges in fan_in.items():
        by_step = sorted({steps[gp] for gp, _, _ in hub_edges})  # type: ignore[type-var]
        if len(by_step) < BUS_MIN_STEPS:
            continue
        bused.update(hub_edges)
        chain = [f"c{hub}_{t}" for t in by_step] + [f"g{hub}"]
        for name in chain[:-1]:
            d.node(name, shape="point", width="0.04", color="#495057")
        for gp, _, label in hub_edges:
            d.edge(f"g{gp}", f"c{hub}_{steps[gp]}", arrowhead="none", **edge_style(label, order[gp]))
        for a, b in zip(chain, chain[1:]):
            d.edge(a, b, **({} if b == chain[-1] else {"arrowhead": "none"}))
    for edge in edges:
        if edge not in bused:
            gp, gi, label = edge
            d.edge(f"g{gp}", f"g{gi}", **edge_style(label, order[gp]))
