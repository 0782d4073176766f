"""YAML read safely: no aliases, bounded nesting and size, dates left as text.

PyYAML's ``safe_load`` builds whatever a document describes, and a document of a few
hundred bytes can describe gigabytes: nested aliases (``&a`` ... ``*a``) grow about ninefold
per level (the "billion laughs"), and deep nesting exhausts Python's recursion limit. Every
YAML file detente reads (scenarios, patches, actor dictionaries, trigger lists) goes through
:func:`parse_yaml`, which

- refuses documents larger than :attr:`~detente.limits.Limits.max_file_bytes`,
- refuses aliases at the first one met, before anything is built (detente's formats have no
  use for them: write the value out),
- refuses nesting deeper than :attr:`~detente.limits.Limits.max_yaml_depth` as it is met,
- reads ``1e308`` as a number, as YAML 1.2 does (PyYAML reads it as text),
- leaves date-like values (``2017-13-45``) as text, so that a date is parsed, and checked,
  only where a date is expected, and a number field holding a date is reported as a number
  field holding text;
- reports integers too long to convert as errors rather than exceptions,

and returns the data with a map from data paths to line numbers, built by one walk over the
composed (alias-free, hence tree-shaped) document. Every refusal is a
:class:`~detente.errors.FormatError` naming the file and line.

>>> data, lines = parse_yaml("a:\\n  b: 2017-02-30\\n")
>>> data, lines[("a", "b")]
({'a': {'b': '2017-02-30'}}, 2)
>>> parse_yaml("a: &x [1]\\nb: *x\\n", "f.yaml")
Traceback (most recent call last):
...
detente.errors.FormatError: f.yaml:2: YAML aliases (*name) are not accepted; write the value out
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from detente.limits import current
from detente.scenario.io.common import fail

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Refused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class SafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases, with a depth bound and dates kept as text."""

    max_depth = 40

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _Refused(
                "YAML aliases (*name) are not accepted; write the value out",
                self.peek_event().start_mark,
            )
        self._depth += 1
        if self._depth > self.max_depth:
            raise _Refused(
                f"nested deeper than {self.max_depth} levels (limit max_yaml_depth)",
                self.peek_event().start_mark,
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_int(loader: Any, node: Any) -> int:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        raise _Refused("an integer too long to read", node.start_mark) from None


def _construct_text(loader: Any, node: Any) -> str:
    return loader.construct_scalar(node)


SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.2 reads 1e308 as a number; PyYAML (YAML 1.1) needs a dot and reads it as text.
SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)
SafeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
SafeLoader.add_constructor(_TIMESTAMP, _construct_text)

FAST = bool(getattr(yaml, "__with_libyaml__", False))
"""Whether libyaml is there: then documents are parsed and composed in C (about 3x faster),
after a first pass over its events has refused aliases and deep nesting."""

if FAST:
    from yaml.cyaml import CParser

    class _CLoader(CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml's parser with the resolvers and constructors of :class:`SafeLoader`."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _CLoader.yaml_implicit_resolvers = SafeLoader.yaml_implicit_resolvers
    _CLoader.yaml_constructors = dict(SafeLoader.yaml_constructors)


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _scan(text: str, max_depth: int) -> None:
    """Refuse aliases and nesting deeper than ``max_depth`` from libyaml's events, before
    anything is composed (the C composer recurses: it must never see a deep document)."""
    loader = _CLoader(text)
    depth = 0
    try:
        while loader.check_event():
            ev = loader.get_event()
            if isinstance(ev, yaml.AliasEvent):
                raise _Refused(
                    "YAML aliases (*name) are not accepted; write the value out", ev.start_mark
                )
            if isinstance(ev, _OPEN):
                depth += 1
                if depth > max_depth:
                    raise _Refused(
                        f"nested deeper than {max_depth} levels (limit max_yaml_depth)",
                        ev.start_mark,
                    )
            elif isinstance(ev, _CLOSE):
                depth -= 1
            elif isinstance(ev, yaml.ScalarEvent) and depth + 1 > max_depth:
                raise _Refused(
                    f"nested deeper than {max_depth} levels (limit max_yaml_depth)",
                    ev.start_mark,
                )
    finally:
        loader.dispose()


def _compose(text: str, max_depth: int, fast: bool) -> tuple[Any, Any]:
    """The root node and the data of ``text`` (``fast``: libyaml, after :func:`_scan`)."""
    if fast:
        _scan(text, max_depth)
        loader: Any = _CLoader(text)
    else:
        loader = SafeLoader(text)
        loader.max_depth = max_depth
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _line_map(root: Any) -> dict[tuple, int]:
    """Data path -> line number for every node of an alias-free document (one walk)."""
    out: dict[tuple, int] = {}
    stack: list[tuple[Any, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        out.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    continue
                sub = path + (k.value,)
                out[sub] = k.start_mark.line + 1
                stack.append((v, sub))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((v, path + (i,)))
    return out


def parse_yaml(
    text: str, file: str = "<string>", *, fast: bool = True
) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML ``text`` safely into data and a map from data paths to line numbers.

    Parameters
    ----------
    text:
        The document.
    file:
        The name errors give.
    fast:
        Parse with libyaml where it is installed (the pure-Python parser otherwise); both
        give the same data, lines and refusals.

    Returns
    -------
    (data, lines)
        The plain data (dicts, lists, str, int, float, bool, None) and ``{path: line}``.

    Raises
    ------
    FormatError
        Not valid YAML, too large, too deep, or using aliases; names the file and line.
    """
    lim = current()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > lim.max_file_bytes:
        raise fail(
            file,
            f"the document is too large: {size} bytes (limit max_file_bytes {lim.max_file_bytes})",
        )
    try:
        node, data = _compose(text, lim.max_yaml_depth, FAST and fast)
    except _Refused as exc:
        raise fail(file, exc.message, line=exc.mark.line + 1) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "nesting depth" in msg:  # libyaml's own bound (PyYAML >= 6.0.4), far above ours
            msg = f"nested deeper than {lim.max_yaml_depth} levels (limit max_yaml_depth)"
            raise fail(file, msg, line=line) from None
        raise fail(file, f"not valid YAML: {msg}", line=line) from None
    except RecursionError:  # pragma: no cover - the depth bound comes first
        raise fail(file, "nested too deeply") from None
    return data, (_line_map(node) if node is not None else {})


def load_yaml(text: str, file: str = "<string>") -> Any:
    """The data of a YAML document, read as :func:`parse_yaml` does (no line map)."""
    return parse_yaml(text, file)[0]
