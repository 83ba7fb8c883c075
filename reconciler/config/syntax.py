"""YAML syntax errors as a sentence at the place a person must fix.

The YAML parser reports where it gave up, which for an unclosed `[`, `{` or
quote is lines after the real mistake. Its context mark is where the
unclosed thing was opened: that is the position we report, with the text of
the line to show under the error.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml.error import MarkedYAMLError

from reconciler.config.errors import ConfigError

# Parser contexts whose mark is the opening the reader forgot to close.
_OPENED = {
    "while parsing a flow sequence": "the '[' opened here is never closed",
    "while parsing a flow mapping": "the '{' opened here is never closed",
    "while scanning a quoted scalar": "the quoted string that starts here is never closed",
}
_PROBLEMS = {
    "mapping values are not allowed here": (
        "a ':' where YAML does not expect one: quote a value that contains ': ', "
        "or check the indentation of this line"
    ),
    "could not find expected ':'": "a key without ':' after it",
}


def syntax_error(path: Path, text: str, exc: MarkedYAMLError) -> ConfigError:
    lines = text.splitlines()
    context = (exc.context or "").strip()
    problem = (exc.problem or "").strip()
    opened = _OPENED.get(context)
    if opened is not None and exc.context_mark is not None:
        mark = exc.context_mark
        gave_up = exc.problem_mark
        if gave_up is not None and gave_up.line < len(lines):
            found = f"YAML reached line {gave_up.line + 1} without finding its end"
        else:
            found = "YAML reached the end of the file without finding its end"
        message = f"invalid YAML: {opened}: {found}"
    else:
        mark = exc.problem_mark or exc.context_mark
        if problem.startswith("expected <block end>"):
            sentence = "this line's indentation does not match the lines above it"
        else:
            sentence = _PROBLEMS.get(problem, problem or context or "the YAML cannot be parsed")
        message = f"invalid YAML: {sentence}"
    if mark is None:
        return ConfigError(path, 1, 1, message)
    source = lines[mark.line] if mark.line < len(lines) else None
    return ConfigError(path, mark.line + 1, mark.column + 1, message, source_line=source)
