"""The glue of `reconcile export`: which repositories, read them, write the YAML."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reconciler.cli.session import transport_settings
from reconciler.config import name_rules
from reconciler.errors import ReconcileError
from reconciler.logs import get_logger
from reconciler.model.desired import Reviewer
from reconciler.model.observed import Identities, ObservedRepository

if TYPE_CHECKING:
    from reconciler.github import TransportSettings

_log = get_logger("reconciler.export")


@dataclass(frozen=True)
class ExportTarget:
    """What to read: the owner, repository names, and the config's accounts if any."""

    owner: str
    repositories: tuple[str, ...]
    aws_accounts: Mapping[str, str]


def resolve_target(args: argparse.Namespace) -> ExportTarget:
    """--owner and --repo win; the config (-c) fills in what they leave out.

    `--repo owner/name` carries its owner, so `--repo` alone needs no config.
    """
    repos: list[str] = list(getattr(args, "repo", None) or [])
    owner: str | None = getattr(args, "owner", None)
    owners = {r.rpartition("/")[0] for r in repos if "/" in r}
    if owner is None and len(owners) == 1 and all("/" in r for r in repos):
        owner = next(iter(owners))
    names = [r.rpartition("/")[2] for r in repos]
    accounts: Mapping[str, str] = {}
    if owner is None or not names:
        from reconciler.config import load_desired, require_file

        require_file(
            args.config,
            "give the environments.yaml with -c PATH, or name the repositories to export "
            "with --repo OWNER/NAME (repeatable; no config needed)",
        )
        desired = load_desired(args.config)
        owner = owner or desired.owner
        names = names or [r.name for r in desired.repositories]
        accounts = dict(desired.aws.accounts) if desired.aws is not None else {}
    if any(o.lower() != owner.lower() for o in owners):
        raise ReconcileError(
            "--repo names repositories of more than one owner; an environments.yaml has one "
            "github.owner, so export one owner at a time"
        )
    if not name_rules.OWNER.match(owner):
        raise ReconcileError(f"--owner {owner!r} is not a valid GitHub user or organization")
    for name in names:
        if not name_rules.REPOSITORY_NAME.match(name):
            raise ReconcileError(f"--repo {name!r} is not a valid repository name")
    unique = tuple(dict.fromkeys(names, None))
    return ExportTarget(owner=owner, repositories=unique, aws_accounts=accounts)


def only_environments(repo: ObservedRepository, envs: Sequence[str]) -> ObservedRepository:
    """--env: just those environments; repository-level items are left out (as in plan)."""
    if not envs:
        return repo
    wanted = {e.lower() for e in envs}
    kept = {k: e for k, e in repo.environments.items() if e.name.lower() in wanted}
    return replace(repo, environments=kept, variables={}, secrets={})


def to_count(repositories: Sequence[ObservedRepository]) -> set[Reviewer]:
    """The reviewers of environments that prevent self-review: whether those are
    4-eyes depends on how many people they are (team members counted)."""
    return {
        Reviewer(r.kind, r.name)
        for repo in repositories
        for env in repo.environments.values()
        if env.prevent_self_review
        for r in env.reviewers
    }


def read_repositories(
    target: ExportTarget,
    environ: Mapping[str, str],
    concurrency: int,
    *,
    transport: TransportSettings | None = None,
    envs: Sequence[str] = (),
) -> tuple[list[ObservedRepository], Identities]:
    """The repositories (only `envs` of them, when given) and the reviewers to count."""
    from reconciler.github import connection_from_env, observe_repository, resolve_identities

    first = target.repositories[0] if target.repositories else None
    with connection_from_env(environ, target.owner, first, transport=transport) as conn:
        workers = max(1, min(concurrency, len(target.repositories)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export-read") as pool:
            live = list(
                pool.map(
                    lambda name: observe_repository(conn, target.owner, name),
                    target.repositories,
                )
            )
        live = [only_environments(r, envs) for r in live]
        return live, resolve_identities(conn, target.owner, to_count(live))


def _warn_lossy(repositories: Sequence[ObservedRepository]) -> None:
    for repo in repositories:
        for env in repo.environments.values():
            if not name_rules.ENVIRONMENT_NAME.match(env.name):
                _log.warning(
                    "environment not exported: its name is not allowed in version 1",
                    repository=repo.full_name,
                    environment=env.name,
                )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReconcileError(f"cannot write {path}: {exc.strerror}") from None


def run_export(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    transport: TransportSettings | None = None,
) -> int:
    """`reconcile export`; returns the exit code. Failures raise ReconcileError.

    `transport`: how GitHub requests are paced and retried (production's if None)."""
    from reconciler.export import export_config

    target = resolve_target(args)
    if not target.repositories:
        raise ReconcileError("nothing to export: give --repo NAME or a config with repositories")
    live, identities = read_repositories(
        target,
        os.environ if environ is None else environ,
        getattr(args, "concurrency", 8),
        transport=transport,
        envs=getattr(args, "env", None) or [],
    )
    _warn_lossy(live)
    text = export_config(
        target.owner, live, aws_accounts=target.aws_accounts, identities=identities
    )
    output: Path | None = getattr(args, "output", None)
    if output is not None:
        _write(output, text)
        _log.info("exported", path=str(output), repositories=len(live))
    else:
        (stdout or sys.stdout).write(text)
    return 0


def run(args: argparse.Namespace) -> int:
    return run_export(args, transport=transport_settings(args))
