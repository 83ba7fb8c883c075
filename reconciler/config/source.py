"""Reading environments.yaml safely: bytes -> YAML nodes -> plain Python + positions.

We compose YAML nodes ourselves instead of letting a constructor build objects:
nodes carry line and column, aliases stay shared node objects (so a "billion
laughs" file costs nothing until expanded, and we count while expanding), and
duplicate keys are ours to report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.config.errors import ConfigError, combined
from reconciler.config.positions import ORIGIN, Path_, Position, SourceMap, describe
from reconciler.config.syntax import syntax_error

MAX_BYTES = 1024 * 1024
# Past this many nodes reached through aliases the file is an alias bomb; no
# honest environments.yaml repeats that much through anchors.
MAX_ALIAS_NODES = 10_000
MAX_DEPTH = 64
# Python refuses to convert (or print) integers past 4,300 decimal digits
# (CVE-2020-10735), and converting is quadratic below that; no setting of
# environments.yaml needs a number anywhere near this long.
MAX_INT_DIGITS = 1000

_TAG = "tag:yaml.org,2002:"
_LEADING_WS = re.compile(r"^[ \t]*")
# A lone UTF-16 surrogate (written as a "\\ud800" escape) is no character:
# it cannot be encoded as UTF-8, so no request, log line or file could hold it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SURROGATE_PAIR = re.compile(r"([\ud800-\udbff])([\udc00-\udfff])")


def read_tree(path: Path) -> tuple[Any, SourceMap, list[ConfigError]]:
    """The file as plain dicts, lists and scalars, with a map of positions.

    Problems that leave the rest of the file readable (a duplicate key, a key
    that is not a name) come back in the list; the first value is kept. The
    others end reading at once.
    """
    text = _read_text(path)
    node = _compose(path, text)
    if node is None:
        raise ConfigError(
            path, 1, 1, "the file is empty; it must be a mapping that starts with 'version: 1'"
        )
    converter = _Converter(path)
    converter.positions.values[()] = _position(node)
    data = converter.convert(node, ())
    return data, converter.positions, converter.problems


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_big(path, size)
        with path.open("rb") as handle:
            # Read one byte past the limit: the file may grow after stat().
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(path, 1, 1, f"cannot read the file: {reason}") from None
    if len(data) > MAX_BYTES:
        raise _too_big(path, len(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise ConfigError(
            path,
            line,
            column,
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8",
        ) from None
    text = text.removeprefix("\ufeff")
    _refuse_tabs(path, text)
    return text


def _too_big(path: Path, size: int) -> ConfigError:
    return ConfigError(
        path,
        1,
        1,
        f"the file is {size:,} bytes, over the limit of {MAX_BYTES:,} bytes (1 MiB)",
    )


def _refuse_tabs(path: Path, text: str) -> None:
    # The YAML scanner's own message ("found character '\t' that cannot start
    # any token") does not tell a newcomer what to do.
    found: list[ConfigError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = _LEADING_WS.match(line)
        if indent is not None and "\t" in indent.group(0) and line.strip():
            column = indent.group(0).index("\t") + 1
            found.append(
                ConfigError(
                    path,
                    number,
                    column,
                    "a tab is used for indentation; YAML allows only spaces there, "
                    "so replace the tab with spaces",
                )
            )
    error = combined(found)
    if error is not None:
        raise error


def _compose(path: Path, text: str) -> Node | None:
    # "safe", not the round-trip loader: nodes carry their positions either way,
    # and gathering comments we never read took a fifth of loading a file.
    yaml = YAML(typ="safe", pure=True)
    try:
        node: Node | None = yaml.compose(text)
    except MarkedYAMLError as exc:
        raise syntax_error(path, text, exc) from None
    except YAMLError as exc:
        raise ConfigError(path, 1, 1, f"invalid YAML: {type(exc).__name__}") from None
    except RecursionError:
        raise ConfigError(path, 1, 1, "invalid YAML: the nesting is too deep") from None
    return node


def _position(node: Node) -> Position:
    mark = node.start_mark
    return Position(mark.line + 1, mark.column + 1)


class _Converter:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.positions = SourceMap()
        self.positions.keys[()] = ORIGIN
        self.alias_nodes = 0
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.problems: list[ConfigError] = []

    def fail(self, at: Position, message: str) -> ConfigError:
        return ConfigError(self.file, at.line, at.column, message)

    def convert(self, node: Node, path: Path_, *, via_alias: bool = False) -> Any:
        if id(node) in self.active:
            raise self.fail(_position(node), f"{describe(path)} refers to itself through an alias")
        if isinstance(node, (MappingNode, SequenceNode)):
            via_alias = via_alias or id(node) in self.seen
            self.seen.add(id(node))
        if via_alias:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise self.fail(
                    _position(node),
                    f"YAML aliases here expand to more than {MAX_ALIAS_NODES:,} values, "
                    "which looks like an alias bomb; write the values out instead",
                )
        if len(path) > MAX_DEPTH:
            raise self.fail(_position(node), "the file is nested too deeply")
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path, via_alias)
            if isinstance(node, SequenceNode):
                return [
                    self._item(item, (*path, index), via_alias)
                    for index, item in enumerate(node.value)
                ]
        finally:
            self.active.discard(id(node))
        raise self.fail(_position(node), f"{describe(path)} has an unsupported YAML node")

    def _item(self, node: Node, path: Path_, via_alias: bool) -> Any:
        self.positions.keys.setdefault(path, _position(node))
        self.positions.values.setdefault(path, _position(node))
        return self.convert(node, path, via_alias=via_alias)

    def _mapping(self, node: MappingNode, path: Path_, via_alias: bool) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merges.append(value_node)
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            child = (*path, key)
            if key in result:
                first = self.positions.keys[child]
                where = "" if not path else f" in {describe(path)}"
                self.problems.append(
                    self.fail(
                        _position(key_node),
                        f"duplicate key '{key}'{where} (first given on line {first.line})",
                    )
                )
                continue
            self.positions.keys.setdefault(child, _position(key_node))
            self.positions.values.setdefault(child, self._value_position(key_node, value_node))
            result[key] = self.convert(value_node, child, via_alias=via_alias)
        for merged in merges:
            # `<<: *base` (or a list of them): keys written here win over merged ones.
            sources = merged.value if isinstance(merged, SequenceNode) else [merged]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise self.fail(_position(source), "a '<<' merge key must refer to a mapping")
                extra = self.convert(source, path, via_alias=True)
                for key, value in extra.items():
                    result.setdefault(key, value)
        return result

    def _value_position(self, key_node: Node, value_node: Node) -> Position:
        # An empty value ("key:") has its mark on the next token; the key is a
        # better place to point at.
        if (
            isinstance(value_node, ScalarNode)
            and value_node.tag == f"{_TAG}null"
            and value_node.value == ""
        ):
            return _position(key_node)
        return _position(value_node)

    def _key(self, node: Node, path: Path_) -> str | None:
        """The key as text; None (and a problem) for a key that is not a string."""
        if isinstance(node, ScalarNode) and node.tag == f"{_TAG}str":
            self._refuse_surrogates(node, f"a key in {describe(path)}" if path else "a key")
            return str(node.value)
        where = "at the top level" if not path else f"in {describe(path)}"
        if isinstance(node, ScalarNode):
            message = f"key {node.value} {where} is not a string; put it in quotes"
        else:
            message = f"a key {where} is a mapping or list; keys must be names"
        self.problems.append(self.fail(_position(node), message))
        return None

    def _scalar(self, node: ScalarNode, path: Path_) -> Any:
        text = str(node.value)
        self.positions.raw[path] = text
        tag = node.tag
        if tag == f"{_TAG}str":
            self._refuse_surrogates(node, describe(path))
            return text
        if tag == f"{_TAG}null":
            return None
        if tag == f"{_TAG}bool":
            return text.lower() in ("true", "yes", "on", "y")
        if tag == f"{_TAG}int":
            return self._int(node, path, text)
        if tag == f"{_TAG}float":
            return _parse_float(text)
        if tag == f"{_TAG}timestamp":
            # Dates are text to GitHub; keep them as written.
            return text
        raise self.fail(
            _position(node), f"{describe(path)} uses the YAML tag '{tag}', which is not supported"
        )

    def _refuse_surrogates(self, node: ScalarNode, what: str) -> None:
        text = str(node.value)
        found = _SURROGATE.search(text)
        if found is None:
            return
        escape = f"\\u{ord(found.group(0)):04x}"
        pair = _SURROGATE_PAIR.search(text)
        if pair is not None:
            joined = (pair.group(1) + pair.group(2)).encode("utf-16", "surrogatepass")
            code = ord(joined.decode("utf-16"))
            hint = (
                f"; a surrogate pair written as two escapes is not joined in YAML: "
                f"write \\U{code:08X} or the character itself"
            )
        else:
            hint = "; remove the escape or write the character itself"
        raise self.fail(
            _position(node),
            f"{what} holds the escape {escape}, a lone UTF-16 surrogate that is not a "
            f"Unicode character and cannot be sent to GitHub{hint}",
        )

    def _int(self, node: ScalarNode, path: Path_, text: str) -> int:
        digits = len(text.replace("_", "").lstrip("+-"))
        if digits > MAX_INT_DIGITS:
            raise self.fail(
                _position(node),
                f"{describe(path)} is a number of {digits:,} digits, longer than the "
                f"{MAX_INT_DIGITS:,} digits a number may have here; if it is meant as text, "
                "put it in quotes",
            )
        return _parse_int(text)


def _parse_int(text: str) -> int:
    clean = text.replace("_", "")
    sign = -1 if clean.startswith("-") else 1
    digits = clean.lstrip("+-")
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if digits.lower().startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits, 10)


def _parse_float(text: str) -> float:
    clean = text.replace("_", "").lower()
    if clean.endswith(".inf"):
        return float("-inf") if clean.startswith("-") else float("inf")
    if clean == ".nan":
        return float("nan")
    return float(clean)
