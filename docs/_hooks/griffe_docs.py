"""Griffe extension for the API reference: the library's docstrings as a reader should see them.

The docstrings are Google style (``Args:``, ``Returns:``) with Sphinx cross-reference roles
(``:func:`backward```, ``:class:`~microgradrnn.tensor.Tensor```) and reST literal-block
markers (``::``). mkdocstrings renders Markdown, where the roles would show as raw markup.
This extension, run by mkdocstrings-python once the package is loaded, rewrites:

- each role into an optional cross-reference: a link when the target is on the site, plain
  code when it is not (a private helper, a module without a reference page);
- a paragraph ending in ``::`` into one ending in ``:`` (the indented block after it is
  already a Markdown code block);

and, for the rendered signatures and class headers, drops

- parameters whose names start with ``_`` (the engine's internal ``_parents``, ``_op``,
  ``_local``): callers never pass them;
- private base classes, replaced by their own bases (``RNNCell(_CellBase)`` shows ``Module``).

Nothing in the library's source changes; this only edits Griffe's model of it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import griffe

_ROLE = re.compile(r":(?:py:)?(?P<role>func|meth|class|mod|attr|obj|data|exc|const):`(?P<target>[^`]+)`")
_LITERAL_MARKER = re.compile(r"(?<=\S)::[ \t]*$", re.MULTILINE)
_LONE_LITERAL_MARKER = re.compile(r"^[ \t]*::[ \t]*\n", re.MULTILINE)


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    """``obj`` and every object defined (not imported) under it."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)  # type: ignore[arg-type]


def _lookup(path: str, collection: griffe.ModulesCollection) -> griffe.Object | None:
    try:
        found = collection.get_member(path)
    except (KeyError, ValueError):
        return None
    try:
        return found.final_target if found.is_alias else found
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def resolve_target(target: str, where: griffe.Object) -> str | None:
    """The canonical path of what ``target`` names in the scope of ``where``, or None.

    As Sphinx's Python domain: a leading ``.`` is relative to the current module, a name is
    looked up in the current object, its parents, then as an absolute path.
    """
    collection = where.modules_collection
    if target.startswith("."):
        module = where if where.is_module else where.module
        base = module.path if module.is_init_module else module.path.rsplit(".", 1)[0]
        up = len(target) - len(target.lstrip(".")) - 1
        parts = base.split(".")
        base = ".".join(parts[: len(parts) - up]) if up else base
        found = _lookup(f"{base}.{target.lstrip('.')}", collection)
        return found.path if found else None
    head, _, rest = target.partition(".")
    scope: griffe.Object | None = where
    while scope is not None:
        try:
            start = scope.resolve(head)
        except griffe.NameResolutionError:
            scope = scope.parent
            continue
        found = _lookup(f"{start}.{rest}" if rest else start, collection)
        if found is not None:
            return found.path
        break
    found = _lookup(target, collection)
    return found.path if found else None


def render_roles(text: str, where: griffe.Object) -> str:
    """Every Sphinx role of ``text`` as an optional autorefs cross-reference (link or code)."""

    def replace(match: re.Match[str]) -> str:
        target = match.group("target").strip()
        shown_target = target.lstrip("~")
        short = target.startswith("~")
        title = shown_target.rsplit(".", 1)[-1] if short else shown_target.lstrip(".")
        code = f"<code>{html.escape(title)}</code>"
        path = resolve_target(shown_target, where)
        if path is None:
            return code
        # `optional`: autorefs links when the object is rendered somewhere on the site and
        # leaves the code untouched (no warning, so --strict passes) when it is not.
        return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'

    return _ROLE.sub(replace, text)


def clean_docstring(text: str, where: griffe.Object) -> str:
    text = render_roles(text, where)
    text = _LONE_LITERAL_MARKER.sub("", text)
    return _LITERAL_MARKER.sub(":", text)


def _public_bases(cls: griffe.Class, seen: frozenset[str] = frozenset()) -> list[griffe.Expr | str]:
    bases: list[griffe.Expr | str] = []
    for base in cls.bases:
        name = base if isinstance(base, str) else base.canonical_name
        if not name.startswith("_"):
            bases.append(base)
            continue
        path = base if isinstance(base, str) else base.canonical_path
        resolved = _lookup(path, cls.modules_collection)
        if isinstance(resolved, griffe.Class) and resolved.path not in seen:
            bases += _public_bases(resolved, seen | {resolved.path})
    return bases


class DocsView(griffe.Extension):
    """Rewrite roles and literal markers, hide private parameters and private bases."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: object) -> None:  # noqa: ARG002
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = clean_docstring(obj.docstring.value, obj)
            if isinstance(obj, griffe.Function):
                for param in [p for p in obj.parameters if p.name.startswith("_")]:
                    del obj.parameters[param.name]
            if isinstance(obj, griffe.Class):
                obj.bases = _public_bases(obj)
