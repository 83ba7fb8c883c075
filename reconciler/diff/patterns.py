"""Whether deployment branch/tag patterns admit more refs than before (pure).

GitHub matches the patterns with Ruby's `File.fnmatch` and `FNM_PATHNAME`:
wildcards never match `/` ("use `release/*/*`"), `**/` matches any number of
leading directories, `[...]` is a character class (`!` or `^` negates it)
and `\\` escapes. `**` not followed by `/` is `*`. Braces are not special.

`widening(new, old)` answers "which of `new` match a ref that none of `old`
does?" exactly: each pattern becomes a small automaton and the
question is language inclusion, decided over one representative character per
class of characters that every pattern treats alike. A review diff must not
cry wolf at `v*` → `v[0-9]*` nor miss `release/*` → `release/**/*`.

`wider(old, new)` judges whole policies, GitHub's "protected branches only"
(`deployment_branches: protected`) among them. Which branches are protected
is the repository's branch protection, which the file does not hold and an
administrator may change at any time (and with no protection rule at all,
GitHub lets every branch deploy). So, judged from the file alone:

- protected → patterns: every listed branch pattern is a weakening (a branch
  of that name deploys whether or not it is protected), and so is every tag
  pattern (protected branches only lets no tag deploy); `[]` is not;
- patterns → protected: a weakening unless the patterns already let every
  branch deploy (`**/*`), since any branch may be protected, or all may
  deploy while none is;
- protected → all: a weakening; all → protected: none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

SLASH = "/"
# Matches every branch name: the branch patterns that let any branch deploy.
_EVERY_BRANCH = "**/*"


@dataclass(frozen=True)
class Admitted:
    """What an environment lets deploy: its policy and, for "custom", its patterns."""

    policy: str  # "all" | "protected" | "custom"
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def shown(self) -> str:
        if self.policy == "protected":
            return "protected branches only"
        names = [f"branch:{p}" for p in self.branches] + [f"tag:{p}" for p in self.tags]
        return ", ".join(names) or "none"


def wider(old: Admitted, new: Admitted) -> str | None:
    """In words, what `new` lets deploy that `old` refused; None when nothing (see above)."""
    if old.policy == "all":
        return None  # any ref could deploy already
    if new.policy == "all":
        return "deployment_branches and deployment_tags removed: any branch or tag may deploy"
    if new.policy == "protected":
        if old.policy == "protected" or not widening([_EVERY_BRANCH], old.branches):
            return None
        return (
            "deployment_branches: protected lets every branch with protection rules deploy "
            "(and every branch while the repository has none), not only the listed patterns"
        )
    if old.policy == "protected":
        listed = [f"branch:{p}" for p in new.branches] + [f"tag:{p}" for p in new.tags]
        if not listed:
            return None
        return (
            f"{', '.join(listed)} lets refs deploy that protected branches only refused "
            "(a listed branch deploys whether or not it is protected, and no tag could)"
        )
    widened = [f"branch:{p}" for p in widening(new.branches, old.branches)]
    widened += [f"tag:{p}" for p in widening(new.tags, old.tags)]
    if not widened:
        return None
    return f"{', '.join(widened)} lets refs deploy that were refused before"


@dataclass(frozen=True)
class _Class:
    """Characters matched by one step: literals and ranges, maybe negated; never `/`."""

    chars: frozenset[str] = frozenset()
    ranges: tuple[tuple[str, str], ...] = ()
    negated: bool = False

    def __call__(self, c: str) -> bool:
        if c == SLASH:
            return False
        inside = c in self.chars or any(lo <= c <= hi for lo, hi in self.ranges)
        return inside != self.negated

    def bounds(self) -> Iterable[str]:
        yield from self.chars
        for lo, hi in self.ranges:
            yield lo
            yield hi


ANY = _Class(negated=True)  # `?`: any one character but `/`


@dataclass
class _State:
    steps: list[tuple[Callable[[str], bool], int]] = field(default_factory=list)
    free: list[int] = field(default_factory=list)  # moves that read nothing


@dataclass
class _Automaton:
    states: list[_State] = field(default_factory=lambda: [_State()])
    bounds: set[str] = field(default_factory=set)

    @property
    def last(self) -> int:
        return len(self.states) - 1

    def new(self) -> int:
        self.states.append(_State())
        return self.last

    def closure(self, start: Iterable[int]) -> frozenset[int]:
        seen = set(start)
        todo = list(seen)
        while todo:
            for nxt in self.states[todo.pop()].free:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)

    def step(self, current: frozenset[int], c: str) -> frozenset[int]:
        return self.closure(t for s in current for test, t in self.states[s].steps if test(c))


def _literal(c: str) -> Callable[[str], bool]:
    return lambda x: x == c


def _bracket(pattern: str, i: int) -> tuple[_Class, int] | None:
    """The class starting at `pattern[i] == "["` and the index after it; None: not a class."""
    j = i + 1
    negated = j < len(pattern) and pattern[j] in "!^"
    j += negated
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    first = True
    while j < len(pattern) and (pattern[j] != "]" or first):
        c = pattern[j]
        if c == "\\" and j + 1 < len(pattern):
            j += 1
            c = pattern[j]
        if j + 2 < len(pattern) and pattern[j + 1] == "-" and pattern[j + 2] != "]":
            ranges.append((c, pattern[j + 2]))
            j += 3
        else:
            chars.add(c)
            j += 1
        first = False
    if j >= len(pattern):
        return None
    return _Class(frozenset(chars), tuple(ranges), negated), j + 1


def compile_pattern(pattern: str) -> _Automaton:
    auto = _Automaton()
    at, i = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            # Zero or more whole directories: (non-slash* /)*
            inside = auto.new()
            auto.states[at].steps.append((ANY, inside))
            auto.states[at].steps.append((_literal(SLASH), at))
            auto.states[inside].steps.append((ANY, inside))
            auto.states[inside].steps.append((_literal(SLASH), at))
            done = auto.new()
            auto.states[at].free.append(done)
            at, i = done, i + 3
            auto.bounds.add(SLASH)
            continue
        if c == "*":
            while i < len(pattern) and pattern[i] == "*":
                i += 1
            auto.states[at].steps.append((ANY, at))
            done = auto.new()
            auto.states[at].free.append(done)
            at = done
            continue
        test: Callable[[str], bool]
        if c == "?":
            test, i = ANY, i + 1
        elif c == "[" and (found := _bracket(pattern, i)) is not None:
            test, i = found
            auto.bounds.update(found[0].bounds())
        else:
            if c == "\\" and i + 1 < len(pattern):
                i += 1
                c = pattern[i]
            test, i = _literal(c), i + 1
            auto.bounds.add(c)
        nxt = auto.new()
        auto.states[at].steps.append((test, nxt))
        at = nxt
    return auto


def _alphabet(autos: Sequence[_Automaton]) -> list[str]:
    """One character per run of code points that every step treats alike."""
    cuts = {0, ord(SLASH), ord(SLASH) + 1}
    for auto in autos:
        for c in auto.bounds:
            cuts.update((ord(c), ord(c) + 1))
    edges = sorted(cuts)
    readable = "abcdefghijklmnopqrstuvwxyz0123456789-_."
    letters = []
    for lo, hi in zip(edges, [*edges[1:], 0x110000], strict=True):
        nice = next((ch for ch in readable if lo <= ord(ch) < hi), None)
        letters.append(nice if nice is not None else chr(lo))
    return letters


def widening(new: Sequence[str], old: Iterable[str]) -> list[str]:
    """The patterns of `new` that match some ref none of `old` matches, in order."""
    news = [compile_pattern(p) for p in new]
    olds = [compile_pattern(p) for p in old]
    alphabet = _alphabet([*news, *olds])
    return [p for p, auto in zip(new, news, strict=True) if _escapes(auto, olds, alphabet)]


def _escapes(auto: _Automaton, olds: Sequence[_Automaton], alphabet: Sequence[str]) -> bool:
    """Breadth-first over (states of `auto`, states of each old): a string in `auto` alone."""
    start = (auto.closure([0]), tuple(o.closure([0]) for o in olds))
    seen = {start}
    todo = [start]
    while todo:
        mine, theirs = todo.pop()
        if auto.last in mine and not any(o.last in s for o, s in zip(olds, theirs, strict=True)):
            return True
        for c in alphabet:
            nxt_mine = auto.step(mine, c)
            if not nxt_mine:
                continue
            nxt = (nxt_mine, tuple(o.step(s, c) for o, s in zip(olds, theirs, strict=True)))
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False
