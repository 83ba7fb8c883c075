"""Hypothesis strategies for the apply property: a valid config and a live GitHub.

A `Scenario` is the environments.yaml text (rendered as YAML so the real
loader reads it), the process environment its `{env: VAR}` secrets need, and
the live state to seed into a fresh emulator before the first plan. Names are
drawn from small pools so the live state and the config often meet: the same
environment or variable in another case, an undeclared neighbour, a reviewer
the file does not list.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML

OWNER = "Prop-Org"
REPOSITORIES = ("api", "web")
# slug -> members; every team gets push on every managed repository.
TEAMS = {"approvers": ("approvers-ann", "approvers-ben"), "ops": ("ops-cy", "ops-di")}
USERS = ("octocat", "hubot")
ENVIRONMENTS = ("dev", "staging", "prod")
LIVE_ONLY_ENVIRONMENTS = ("qa", "preview-1")
VARIABLES = ("REGION", "deploy_target", "Flag_1", "_PRIVATE")
LIVE_ONLY_VARIABLES = ("HAND_MADE", "other_var")
SECRETS = ("API_KEY", "db_password", "_SIGNING")
LIVE_ONLY_SECRETS = ("STRAY_SECRET", "legacy_token")
BRANCH_PATTERNS = ("main", "release/*", "hotfix/**")
TAG_PATTERNS = ("v*", "v[0-9]*")

# Printable text without braces: `{...}` is placeholder syntax in literal values.
_text = st.text(
    alphabet=st.characters(
        categories=("L", "N", "P", "S", "Zs"), exclude_characters="{}", codec="utf-8"
    ),
    min_size=1,
    max_size=12,
)


def _case_variant(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted({name, name.upper(), name.lower(), name.swapcase()}))


@dataclass(frozen=True)
class LiveEnvironment:
    name: str
    wait_timer: int
    reviewers: tuple[tuple[str, str], ...]  # ("team", slug) | ("user", login)
    prevent_self_review: bool
    # None: any branch; (True, False): protected branches; (False, True): custom.
    branch_policy: tuple[bool, bool] | None
    policies: tuple[tuple[str, str], ...]  # (type, pattern), only when custom
    variables: dict[str, str]
    secrets: dict[str, str]


@dataclass(frozen=True)
class LiveRepository:
    name: str
    environments: tuple[LiveEnvironment, ...]
    variables: dict[str, str]
    secrets: dict[str, str]


@dataclass(frozen=True)
class Scenario:
    config: dict[str, Any]
    environ: dict[str, str]  # what the `{env: VAR}` secrets read
    live: tuple[LiveRepository, ...]
    prune: bool
    # folded names the file declares, for the unmanaged-items check
    declared: dict[str, DeclaredRepository] = field(default_factory=dict)

    def yaml(self) -> str:
        out = io.StringIO()
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        yaml.dump(self.config, out)
        return out.getvalue()


@dataclass
class DeclaredEnvironment:
    # None: no deployment_branches/tags, so the live policies are replaced, not kept.
    patterns: set[str] | None
    variables: set[str] = field(default_factory=set)
    secrets: dict[str, str] = field(default_factory=dict)  # folded name -> source env var


@dataclass
class DeclaredRepository:
    environments: dict[str, DeclaredEnvironment] = field(default_factory=dict)
    variables: set[str] = field(default_factory=set)
    secrets: dict[str, str] = field(default_factory=dict)


class _Secrets:
    """Hands out `{env: VAR}` sources and remembers the values to export."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw
        self.environ: dict[str, str] = {}

    def source(self) -> dict[str, str]:
        var = f"PROP_SECRET_{len(self.environ)}"
        # Blank text (a lone space or U+00A0) is what a fork's run sees: reconcile
        # refuses it as `secret.source_empty` (tests/integration/test_nothing_leaks.py); here a secret is set.
        self.environ[var] = self._draw(_text.filter(str.strip))
        return {"env": var}


def _reviewer_entry(draw: st.DrawFn, kind: str, name: str) -> str:
    return f"{kind}:{draw(_case_variant(name))}"


def _shared_environment(
    draw: st.DrawFn, spelling: dict[str, str], secrets: _Secrets
) -> dict[str, Any]:
    approvals = draw(st.sampled_from([0, 1, 2]))
    env: dict[str, Any] = {"required_approvals": approvals}
    if approvals:
        pool = [("team", t) for t in TEAMS] + [("user", u) for u in USERS]
        chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
        if approvals == 2 and all(kind == "user" for kind, _ in chosen) and len(chosen) < 2:
            # 4-eyes needs two distinct people; a team brings two members.
            chosen.append(("team", "approvers"))
        env["reviewers"] = [_reviewer_entry(draw, kind, name) for kind, name in chosen]
        self_review = draw(st.sampled_from([None, True] if approvals == 2 else [None, True, False]))
        if self_review is not None:
            env["prevent_self_review"] = self_review
    wait = draw(st.sampled_from([None, 0, 3, 60]))
    if wait is not None:
        env["wait_timer"] = wait
    branches = draw(st.none() | st.lists(st.sampled_from(BRANCH_PATTERNS), max_size=2, unique=True))
    if branches is not None:
        env["deployment_branches"] = branches
    tags = draw(st.none() | st.lists(st.sampled_from(TAG_PATTERNS), min_size=1, unique=True))
    if tags is not None:
        env["deployment_tags"] = tags
    names = draw(st.lists(st.sampled_from(VARIABLES), max_size=2, unique=True))
    if names:
        env["variables"] = {spelling[n]: draw(_text) for n in names}
    secret_names = draw(st.lists(st.sampled_from(SECRETS), max_size=2, unique=True))
    if secret_names:
        env["secrets"] = {spelling[n]: secrets.source() for n in secret_names}
    return env


def _live_environment(draw: st.DrawFn, name: str) -> LiveEnvironment:
    pool = [("team", t) for t in TEAMS] + [("user", u) for u in USERS]
    reviewers = tuple(draw(st.lists(st.sampled_from(pool), max_size=3, unique=True)))
    branch_policy = draw(st.sampled_from([None, (True, False), (False, True)]))
    policies: tuple[tuple[str, str], ...] = ()
    if branch_policy == (False, True):
        candidates = [("branch", p) for p in BRANCH_PATTERNS] + [("tag", p) for p in TAG_PATTERNS]
        policies = tuple(draw(st.lists(st.sampled_from(candidates), max_size=3, unique=True)))
    return LiveEnvironment(
        name=name,
        wait_timer=draw(st.sampled_from([0, 0, 7])),
        reviewers=reviewers,
        prevent_self_review=bool(reviewers) and draw(st.booleans()),
        branch_policy=branch_policy,
        policies=policies,
        variables=_live_items(draw, VARIABLES + LIVE_ONLY_VARIABLES, 3),
        secrets=_live_items(draw, SECRETS + LIVE_ONLY_SECRETS, 2),
    )


def _live_items(draw: st.DrawFn, pool: tuple[str, ...], most: int) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(pool), max_size=most, unique=True))
    return {draw(_case_variant(n)): draw(_text) for n in names}


def _live_repository(draw: st.DrawFn, name: str) -> LiveRepository:
    env_names = draw(
        st.lists(st.sampled_from(ENVIRONMENTS + LIVE_ONLY_ENVIRONMENTS), max_size=4, unique=True)
    )
    return LiveRepository(
        name=name,
        environments=tuple(_live_environment(draw, draw(_case_variant(n))) for n in env_names),
        variables=_live_items(draw, VARIABLES + LIVE_ONLY_VARIABLES, 2),
        secrets=_live_items(draw, SECRETS + LIVE_ONLY_SECRETS, 2),
    )


def _declare(config: dict[str, Any]) -> dict[str, DeclaredRepository]:
    """What the file manages, folded; computed here, independently of the loader."""
    declared: dict[str, DeclaredRepository] = {}
    shared = config.get("environments", {})
    top_variables = {n.lower() for n in config.get("variables", {})}
    for repo_name, repo in config["repositories"].items():
        entry = DeclaredRepository(
            variables={n.lower() for n in repo.get("variables", {})},
            secrets={n.lower(): s["env"] for n, s in repo.get("secrets", {}).items()},
        )
        for env_name, env in shared.items():
            override = repo.get("environments", {}).get(env_name, {})
            has_patterns = "deployment_branches" in env or "deployment_tags" in env
            patterns = {f"branch:{p}" for p in env.get("deployment_branches", [])}
            patterns |= {f"tag:{p}" for p in env.get("deployment_tags", [])}
            entry.environments[env_name.lower()] = DeclaredEnvironment(
                patterns=patterns if has_patterns else None,
                variables=top_variables
                | {n.lower() for n in env.get("variables", {})}
                | {n.lower() for n in override.get("variables", {})},
                secrets={n.lower(): s["env"] for n, s in env.get("secrets", {}).items()},
            )
        declared[repo_name.lower()] = entry
    return declared


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    # One spelling per name for the whole file: two spellings would be a case clash.
    spelling = {n: draw(_case_variant(n)) for n in VARIABLES + SECRETS}
    secrets = _Secrets(draw)
    env_names = draw(st.lists(st.sampled_from(ENVIRONMENTS), min_size=1, max_size=3, unique=True))
    repos = draw(st.lists(st.sampled_from(REPOSITORIES), min_size=1, max_size=2, unique=True))
    prune = draw(st.booleans())
    environments = {
        draw(_case_variant(e)): _shared_environment(draw, spelling, secrets) for e in env_names
    }
    config: dict[str, Any] = {
        "version": 1,
        "github": {"owner": OWNER},
        "prune": prune,
        "environments": environments,
    }
    top = draw(st.lists(st.sampled_from(VARIABLES), max_size=2, unique=True))
    if top:
        config["variables"] = {spelling[n]: draw(_text) for n in top}
    repositories: dict[str, Any] = {}
    for repo in repos:
        settings: dict[str, Any] = {}
        names = draw(st.lists(st.sampled_from(VARIABLES), max_size=2, unique=True))
        if names:
            settings["variables"] = {spelling[n]: draw(_text) for n in names}
        secret_names = draw(st.lists(st.sampled_from(SECRETS), max_size=2, unique=True))
        if secret_names:
            settings["secrets"] = {spelling[n]: secrets.source() for n in secret_names}
        if draw(st.booleans()):
            env = draw(st.sampled_from(sorted(environments)))
            name = spelling[draw(st.sampled_from(VARIABLES))]
            settings["environments"] = {env: {"variables": {name: draw(_text)}}}
        repositories[repo] = settings
    config["repositories"] = repositories
    return Scenario(
        config=config,
        environ=secrets.environ,
        live=tuple(_live_repository(draw, repo) for repo in repos),
        prune=prune,
        declared=_declare(config),
    )
