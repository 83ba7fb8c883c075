"""The exported layout written as environments.yaml text, with explanatory comments.

ruamel's round-trip types carry the comments; flow style keeps one-line values
(`{env: NAME}`, reviewer lists) the way a person would write them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from reconciler.config.name_rules import PROTECTED_BRANCHES
from reconciler.export.layout import (
    ExportedEnvironment,
    ExportedRepository,
    ExportedSecret,
    ExportedVariable,
    Layout,
)

SECRET_NOTE = (
    "secret values cannot be read back from GitHub; "
    "point this at the real source (aws_secret / ssm_parameter / env)"
)
_FOUR_EYES_NOTE = (
    "Not 4-eyes on GitHub, although whoever starts a run cannot approve it:\n{gaps}\n"
    "Exported as it is (required_approvals: 1 with prevent_self_review: true);\n"
    "4-eyes (required_approvals: 2) needs two distinct people and no administrators' bypass."
)


def four_eyes_note(gaps: Sequence[str]) -> str:
    """Why an environment that prevents self-review is exported as 1, one gap a line."""
    return _FOUR_EYES_NOTE.format(gaps="\n".join(f"- {gap}" for gap in gaps))


_SELF_REVIEW_NOTE = "inferred: reviewers with prevent_self_review, not 4-eyes (see the note above)"
_APPROVAL_NOTES = {
    0: "no required reviewers on GitHub",
    1: "inferred: reviewers without prevent_self_review (GitHub releases on one approval)",
    2: "inferred: reviewers with prevent_self_review, i.e. 4-eyes (whoever started the run "
    "cannot approve it)",
}
_HEADER = (
    "environments.yaml exported by `reconcile export` from the live state on GitHub.\n"
    "Review it before use: required_approvals is inferred from the reviewers rule, and\n"
    "every secret is an {env: ...} placeholder to point at its real source."
)
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})
# Columns of an environment key: under `environments:` at the top, and under
# `repositories: <repo>: environments:`.
_SHARED_ENV_INDENT = 2
_REPO_ENV_INDENT = 6


def literal(text: str) -> str:
    """`text` as a value the config reads back unchanged: braces are placeholders there.

    Words that YAML 1.1 readers take for booleans or null are quoted: our loader
    reads YAML 1.2, but people and other tools reading the file may not.
    """
    escaped = text.replace("{", "{{").replace("}", "}}")
    if not escaped.isprintable():
        # Only double quotes escape them; in other styles YAML folds line
        # breaks such as \r, NEL or U+2028, and the value would not read back.
        double: str = DoubleQuotedScalarString(escaped)
        return double
    if escaped.lower() in _YAML11_WORDS:
        single: str = SingleQuotedScalarString(escaped)
        return single
    return escaped


def _flow_seq(items: Iterable[str]) -> CommentedSeq:
    seq = CommentedSeq(list(items))
    seq.fa.set_flow_style()
    return seq


def _variables(variables: Sequence[ExportedVariable]) -> CommentedMap:
    block = CommentedMap()
    for variable in variables:
        block[variable.name] = literal(variable.value)
        if variable.iam_role is not None:
            block.yaml_add_eol_comment(
                f"role in this environment's account: could be {{iam_role: {variable.iam_role}}}",
                variable.name,
            )
    return block


def _secrets(secrets: Sequence[ExportedSecret]) -> CommentedMap:
    block = CommentedMap()
    for secret in secrets:
        source = CommentedMap(env=secret.env_variable)
        source.fa.set_flow_style()
        block[secret.name] = source
        block.yaml_add_eol_comment(SECRET_NOTE, secret.name)
    return block


def _environment(env: ExportedEnvironment, secrets: Sequence[ExportedSecret]) -> CommentedMap:
    body = CommentedMap()
    body["required_approvals"] = env.required_approvals
    approval_note = (
        _SELF_REVIEW_NOTE if env.four_eyes_gaps else _APPROVAL_NOTES[env.required_approvals]
    )
    body.yaml_add_eol_comment(approval_note, "required_approvals")
    if env.reviewers:
        body["reviewers"] = _flow_seq(env.reviewers)
    if env.prevent_self_review:
        body["prevent_self_review"] = True
    if env.wait_timer > 0:
        body["wait_timer"] = env.wait_timer
    if env.admins_bypass is not None:
        body["admins_bypass"] = env.admins_bypass
    # Patterns are not placeholder-filled by the config: written as GitHub has them.
    if env.protected_branches:
        body["deployment_branches"] = PROTECTED_BRANCHES
    elif env.branches is not None:
        body["deployment_branches"] = _flow_seq(env.branches)
    if env.tags is not None:
        body["deployment_tags"] = _flow_seq(env.tags)
    if env.variables:
        body["variables"] = _variables(env.variables)
    if secrets:
        body["secrets"] = _secrets(secrets)
    return body


def _notes(env: ExportedEnvironment) -> list[str]:
    notes: list[str] = []
    if env.four_eyes_gaps:
        notes.append(four_eyes_note(env.four_eyes_gaps))
    if env.admins_bypass_note:
        notes.append(env.admins_bypass_note)
    if env.other_rules:
        notes.append(
            "GitHub also has protection rules reconcile does not manage here:\n"
            + ", ".join(env.other_rules)
            + " (left as they are)."
        )
    return notes


def _add_environment(
    parent: CommentedMap,
    env: ExportedEnvironment,
    body: CommentedMap,
    indent: int,
) -> None:
    parent[env.name] = body
    notes = _notes(env)
    if notes:
        parent.yaml_set_comment_before_after_key(env.name, before="\n".join(notes), indent=indent)


def _repository(repo: ExportedRepository, layout: Layout) -> CommentedMap:
    body = CommentedMap()
    if repo.variables:
        body["variables"] = _variables(repo.variables)
    if repo.secrets:
        body["secrets"] = _secrets(repo.secrets)
    shared = {env.name.lower(): env.name for env in layout.shared}
    environments = CommentedMap()
    for env in repo.environments:
        secrets = repo.environment_secrets.get(env.name, ())
        spelled = shared.get(env.name.lower())
        if spelled is None:
            _add_environment(environments, env, _environment(env, secrets), _REPO_ENV_INDENT)
        elif secrets:
            # Secret values are per repository, so they never go in the shared block;
            # the override adds them to the shared environment (spelled as shared).
            environments[spelled] = CommentedMap(secrets=_secrets(secrets))
    if environments:
        body["environments"] = environments
    return body


def _header(layout: Layout) -> str:
    lines = [_HEADER]
    for repo in layout.repositories:
        for name in repo.skipped_environments:
            lines.append(
                f"Not exported: environment {name!r} of {repo.name}; version 1 environment "
                "names use only letters, digits, '.', '_' and '-'."
            )
    return "\n".join(lines)


def _aws(layout: Layout, accounts: Mapping[str, str]) -> CommentedMap | None:
    declared = {env.name.lower() for repo in layout.repositories for env in repo.environments}
    kept = CommentedMap()
    for name in sorted(accounts, key=str.lower):
        if name.lower() in declared:
            kept[name] = accounts[name]
    if not kept:
        return None
    return CommentedMap(accounts=kept)


def render(owner: str, layout: Layout, accounts: Mapping[str, str] | None = None) -> str:
    root = CommentedMap()
    root["version"] = 1
    root["github"] = CommentedMap(owner=owner)
    aws = _aws(layout, accounts or {})
    if aws is not None:
        root["aws"] = aws
    shared = CommentedMap()
    for env in layout.shared:
        _add_environment(shared, env, _environment(env, ()), _SHARED_ENV_INDENT)
    root["environments"] = shared
    repositories = CommentedMap()
    for repo in layout.repositories:
        repositories[repo.name] = _repository(repo, layout)
    root["repositories"] = repositories
    root.yaml_set_start_comment(_header(layout))

    yaml = YAML(typ="rt", pure=True)
    yaml.indent(mapping=2, sequence=4, offset=2)
    # Long values (ARNs, URLs) stay on one line; folding them helps nobody.
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue()
