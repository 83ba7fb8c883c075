"""Rules that need the whole file: names across scopes, merges, accounts.

Runs after the model accepted every value on its own (or on the file mended
around what it refused). Every problem is reported at its key or value; a
check stops at its own first problem, so one mistake is not reported again
as the consequences it has further on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from reconciler.config import branch_rules, capacity, name_rules
from reconciler.config.approvals import approval_problems
from reconciler.config.errors import ConfigError
from reconciler.config.file_model import (
    Config,
    EnvironmentOverride,
    RepositorySecret,
    SecretBase,
    SharedEnvironment,
)
from reconciler.config.positions import Path_, Position, SourceMap, describe
from reconciler.config.value_model import VariableRef
from reconciler.model import limits

_ENV_PLACEHOLDERS = frozenset(name_rules.PLACEHOLDERS)
_REPO_PLACEHOLDERS = frozenset({"owner", "repo"})


def problems(config: Config, positions: SourceMap, file: str) -> list[tuple[Path_, ConfigError]]:
    """Every whole-file problem, with the path it is about; the first at a place wins."""
    checker = _Checker(config, positions, file)
    checker.run()
    return checker.found


class _Checker:
    def __init__(self, config: Config, positions: SourceMap, file: str) -> None:
        self.config = config
        self.positions = positions
        self.file = file
        accounts = config.aws.accounts if config.aws else {}
        self.accounts = {name.lower(): account for name, account in accounts.items()}
        self.found: list[tuple[Path_, ConfigError]] = []
        self._places: set[tuple[int, int]] = set()

    def _record(self, path: Path_, at: Position, message: str) -> None:
        # A shared environment is checked again for each repository: the same
        # problem at the same place is reported once.
        if (at.line, at.column) not in self._places:
            self._places.add((at.line, at.column))
            self.found.append((path, ConfigError(self.file, at.line, at.column, message)))

    def fail_key(self, path: Path_, message: str) -> None:
        self._record(path, self.positions.key(path), message)

    def fail_value(self, path: Path_, message: str) -> None:
        self._record(path, self.positions.value(path), message)

    def _report(self, problem: capacity.Problem, *, at_value: bool = False) -> None:
        if problem is not None:
            (self.fail_value if at_value else self.fail_key)(*problem)

    def run(self) -> None:
        config = self.config
        self._accounts()
        shared_paths = (("environments", n) for n in config.environments)
        self._unique(shared_paths, "environment", name_rules.ENVIRONMENT_NAME)
        for name in config.environments:
            self._approvals(name, [("environments", name)])
        self._names(("variables",), config.variables, "variable")
        for name, env in config.environments.items():
            self._names(("environments", name, "variables"), env.variables, "variable")
            self._names(("environments", name, "secrets"), env.secrets, "secret")
        if not config.repositories:
            self.fail_value(("repositories",), "'repositories' must list at least one")
        self._unique(
            (("repositories", n) for n in config.repositories),
            "repository",
            name_rules.REPOSITORY_NAME,
        )
        for repo in config.repositories:
            self._repository(repo)

    def _unique(self, paths: Iterable[Path_], kind: str, pattern: re.Pattern[str]) -> None:
        seen: dict[str, str] = {}
        for path in paths:
            name = str(path[-1])
            if not pattern.match(name):
                self.fail_key(path, f"{describe(path)} is not a valid {kind} name")
                continue
            folded = name.lower()
            if folded in seen:
                self.fail_key(
                    path,
                    f"{describe(path)} differs only in case from '{seen[folded]}'; "
                    f"GitHub treats {kind} names case-insensitively",
                )
                continue
            seen[folded] = name

    def _names(self, parent: Path_, names: Iterable[str], kind: str) -> None:
        seen: dict[str, str] = {}
        for name in names:
            path = (*parent, name)
            if not name_rules.NAME.match(name):
                self.fail_key(
                    path,
                    f"{describe(path)} is not a valid {kind} name: use letters, digits and "
                    "underscores, not starting with a digit",
                )
            elif name.upper().startswith(name_rules.RESERVED_PREFIX):
                self.fail_key(path, f"{describe(path)} starts with GITHUB_, which GitHub reserves")
            elif name.lower() in seen:
                self.fail_key(
                    path,
                    f"{describe(path)} differs only in case from '{seen[name.lower()]}'; "
                    f"GitHub stores {kind} names upper case, so they would collide",
                )
            else:
                seen[name.lower()] = name

    def _approvals(self, env: str, layers: list[Path_]) -> None:
        """docs/configuration.md, "Approvals", on the merged environment; later `layers` win."""
        approvals = self._merged(layers, "required_approvals")
        if approvals is None:
            self.fail_key(
                layers[-1],
                f"{describe(layers[-1])} is not declared in the top-level 'environments', "
                "so it must give 'required_approvals'",
            )
            return
        count, count_path = approvals
        if not isinstance(count, int):
            return  # the model has already reported a count that is not a number
        for path, message in approval_problems(
            describe(layers[-1]),
            layers[-1],
            (count, count_path),
            reviewers=self._merged(layers, "reviewers"),
            self_review=self._merged(layers, "prevent_self_review"),
            bypass=self._merged(layers, "admins_bypass"),
        ):
            self.fail_value(path, message)

    def _merged(self, layers: list[Path_], field: str) -> tuple[object, Path_] | None:
        found: tuple[object, Path_] | None = None
        for path in layers:
            env = self._env_at(path)
            value = getattr(env, field)
            if value is not None:
                found = (value, (*path, field))
        return found

    def _env_at(self, path: Path_) -> SharedEnvironment | EnvironmentOverride:
        if path[0] == "environments":
            return self.config.environments[str(path[1])]
        return self.config.repositories[str(path[1])].environments[str(path[3])]

    def _repository(self, repo: str) -> None:
        config = self.config
        settings = config.repositories[repo]
        base: Path_ = ("repositories", repo)
        self._names((*base, "variables"), settings.variables, "variable")
        scope = f"repository '{repo}'"
        values = {"owner": config.github.owner, "repo": repo}
        for name, value in settings.variables.items():
            path = (*base, "variables", name)
            if isinstance(value, VariableRef):
                self.fail_value(
                    path,
                    f"{describe(path)} refers to AWS, but a repository-level variable has no "
                    "environment account; declare it under an environment instead",
                )
                continue
            if self._text(path, value, _REPO_PLACEHOLDERS, None, "a repository-level value"):
                filled = name_rules.fill(value, values)
                self._report(capacity.too_large(path, value, filled, scope), at_value=True)
        own_variables = [(*base, "variables", n) for n in settings.variables]
        self._report(
            capacity.too_many(own_variables, limits.MAX_REPOSITORY_VARIABLES, "variable", scope)
        )
        self._names((*base, "secrets"), settings.secrets, "secret")
        own_secrets = [(*base, "secrets", n) for n in settings.secrets]
        self._report(capacity.too_many(own_secrets, limits.MAX_REPOSITORY_SECRETS, "secret", scope))
        for name, secret in settings.secrets.items():
            self._repository_secret((*base, "secrets", name), secret)
        self._unique(
            ((*base, "environments", n) for n in settings.environments),
            "environment",
            name_rules.ENVIRONMENT_NAME,
        )
        shared = {name.lower(): name for name in config.environments}
        for own, override in settings.environments.items():
            path = (*base, "environments", own)
            spelled = shared.get(own.lower())
            if spelled is not None and spelled != own:
                self.fail_key(
                    path,
                    f"{describe(path)} differs only in case from the shared environment "
                    f"'{spelled}'; spell it '{spelled}' to override it",
                )
                continue
            self._names((*path, "variables"), override.variables, "variable")
            self._names((*path, "secrets"), override.secrets, "secret")
        for env_name in config.environments:
            layers: list[Path_] = [("environments", env_name)]
            if env_name in settings.environments:
                layers.append((*base, "environments", env_name))
            self._environment(repo, env_name, layers)
        for own in settings.environments:
            if own.lower() not in shared:
                self._environment(repo, own, [(*base, "environments", own)])

    def _environment(self, repo: str, env: str, layers: list[Path_]) -> None:
        self._approvals(env, layers)
        declared = [(p, self._env_at(p)) for p in layers]
        self._report(branch_rules.protected_beside_tags(declared), at_value=True)
        account = self.accounts.get(env.lower())
        top: list[tuple[Path_, Mapping[str, object]]] = [(("variables",), self.config.variables)]
        variables = top + [((*p, "variables"), self._env_at(p).variables) for p in layers]
        merged = self._merge_names(variables, "variable")
        scope = f"environment '{env}' of repository '{repo}'"
        limit = limits.MAX_ENVIRONMENT_VARIABLES
        self._report(capacity.too_many([p for p, _ in merged], limit, "variable", scope))
        values = {"owner": self.config.github.owner, "repo": repo, "env": env}
        values["account_id"] = account or ""
        for path, value in merged:
            if isinstance(value, VariableRef):
                self._needs_account(path, env, account)
                if value.iam_role is not None:
                    self._text((*path, "iam_role"), value.iam_role, _ENV_PLACEHOLDERS, account, env)
                if value.ssm_parameter is not None:
                    sub = (*path, "ssm_parameter")
                    self._text(sub, value.ssm_parameter, _ENV_PLACEHOLDERS, account, env)
            elif isinstance(value, str) and self._text(
                path, value, _ENV_PLACEHOLDERS, account, env
            ):
                filled = name_rules.fill(value, values)
                self._report(capacity.too_large(path, value, filled, scope), at_value=True)
        secrets = self._merge_names(
            [((*p, "secrets"), self._env_at(p).secrets) for p in layers], "secret"
        )
        limit = limits.MAX_ENVIRONMENT_SECRETS
        self._report(capacity.too_many([p for p, _ in secrets], limit, "secret", scope))
        for path, secret in secrets:
            if not isinstance(secret, SecretBase):
                continue  # the model has already reported it
            self._secret_source(path, secret, _ENV_PLACEHOLDERS, account, env)
            self._dispatch(path, secret)

    def _merge_names(
        self, scopes: Sequence[tuple[Path_, Mapping[str, object]]], kind: str
    ) -> list[tuple[Path_, object]]:
        """Later scopes override earlier ones by exact name; a case-only clash is an error."""
        merged: dict[str, tuple[str, Path_, object]] = {}
        for parent, items in scopes:
            for name, value in items.items():
                path = (*parent, name)
                earlier = merged.get(name.lower())
                if earlier is not None and earlier[0] != name:
                    self.fail_key(
                        path,
                        f"{describe(path)} differs only in case from {kind} '{earlier[0]}' "
                        f"it merges with; spell it '{earlier[0]}' to override it",
                    )
                    continue
                merged[name.lower()] = (name, path, value)
        return [(path, value) for _, path, value in merged.values()]

    def _needs_account(self, path: Path_, env: str, account: str | None) -> None:
        if self.config.aws is None:
            self.fail_value(
                path, f"{describe(path)} refers to AWS, but the file has no 'aws' section"
            )
        elif account is None:
            self.fail_value(
                path,
                f"{describe(path)} refers to AWS, but environment '{env}' has no account "
                "in 'aws.accounts'",
            )

    def _text(
        self,
        path: Path_,
        text: str,
        allowed: frozenset[str],
        account: str | None,
        scope: str,
    ) -> bool:
        """Report the text's placeholder problems; True when it has none (it can be filled)."""
        try:
            used = name_rules.placeholders(text)
        except name_rules.PlaceholderError as exc:
            self.fail_value(path, f"{describe(path)} {exc}")
            return False
        fine = True
        for name in used:
            if name not in allowed:
                fine = False
                self.fail_value(
                    path,
                    f"{describe(path)} uses '{{{name}}}', which {scope} cannot fill "
                    "because it belongs to no environment",
                )
            elif name == "account_id" and account is None:
                fine = False
                self.fail_value(
                    path,
                    f"{describe(path)} uses '{{account_id}}', but environment '{scope}' has no "
                    "account in 'aws.accounts'",
                )
        return fine

    def _secret_source(
        self,
        path: Path_,
        secret: SecretBase,
        allowed: frozenset[str],
        account: str | None,
        scope: str,
    ) -> None:
        if secret.aws_secret is not None or secret.ssm_parameter is not None:
            if self.config.aws is None:
                self.fail_value(
                    path, f"{describe(path)} refers to AWS, but the file has no 'aws' section"
                )
            else:
                key = "aws_secret" if secret.aws_secret is not None else "ssm_parameter"
                text = secret.aws_secret or secret.ssm_parameter or ""
                self._text((*path, key), text, allowed, account, scope)
        if secret.env is not None and not name_rules.NAME.match(secret.env):
            self.fail_value(
                (*path, "env"), f"{describe((*path, 'env'))} is not an environment variable name"
            )

    def _repository_secret(self, path: Path_, secret: RepositorySecret) -> None:
        account: str | None = None
        allowed = _REPO_PLACEHOLDERS
        scope = "a repository-level value"
        if secret.account is not None:
            account = self.accounts.get(secret.account.lower())
            if account is None:
                self.fail_value(
                    (*path, "account"),
                    f"{describe(path)} names account '{secret.account}', but no environment of "
                    "that name has an account in 'aws.accounts'",
                )
                return
            allowed = _REPO_PLACEHOLDERS | {"account_id"}
            scope = secret.account
        self._secret_source(path, secret, allowed, account, scope)
        self._dispatch(path, secret)

    def _dispatch(self, path: Path_, secret: SecretBase) -> None:
        if secret.check is None:
            return
        target = secret.check.repository_dispatch
        sub = (*path, "check", "repository_dispatch")
        owner, _, name = target.rpartition("/")
        if owner and owner.lower() != self.config.github.owner.lower():
            self.fail_value(
                sub,
                f"{describe(sub)} names '{target}', but checks only reach repositories of "
                f"'{self.config.github.owner}'; give the repository name alone",
            )
        elif not name_rules.REPOSITORY_NAME.match(name):
            self.fail_value(sub, f"{describe(sub)} is not a repository name")

    def _accounts(self) -> None:
        if self.config.aws is None:
            return
        declared = {name.lower() for name in self.config.environments}
        for settings in self.config.repositories.values():
            declared.update(name.lower() for name in settings.environments)
        seen: dict[str, str] = {}
        for name in self.config.aws.accounts:
            path: Path_ = ("aws", "accounts", name)
            if name.lower() in seen:
                self.fail_key(
                    path, f"{describe(path)} differs only in case from '{seen[name.lower()]}'"
                )
                continue
            seen[name.lower()] = name
            if name.lower() not in declared:
                self.fail_key(path, f"{describe(path)} names no environment declared in this file")
