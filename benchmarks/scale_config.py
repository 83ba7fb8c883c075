"""Generated environments.yaml files of N repositories with the root file's shape.

Shared by the scale benchmark (`plan_scale.py`) and the pacing tests
(`tests/perf/`), so both measure the same workload: the three environments of
the root environments.yaml with its reviewers, role variables and branch
policies, in N repositories. The one repository-level dispatch secret (if
asked for) keeps the AWS work a constant, not a multiple of N.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OWNER = "Alpha-Swarm-ai"
ENVIRONMENTS = ("dev", "staging", "prod")
ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
TEAM = "platform-approvers"
USER = "alphaswarm-release-manager"


@dataclass(frozen=True)
class ScaleShape:
    """What a generated file holds; the defaults are the root environments.yaml."""

    repositories: int
    # False: plain string variables, so a plan touches GitHub only.
    aws_roles: bool = True
    dispatch_secret: bool = True

    @property
    def environments(self) -> int:
        return len(ENVIRONMENTS)

    @property
    def custom_policy_environments(self) -> int:
        """Environments per repository with custom branch policies (prod)."""
        return 1

    @property
    def branch_policies(self) -> int:
        """Custom branch/tag policies per repository (prod: main and v*)."""
        return 2


def repository_names(count: int) -> list[str]:
    width = max(4, len(str(count)))
    return [f"svc-{i:0{width}d}" for i in range(count)]


def _variables(aws_roles: bool) -> list[str]:
    if aws_roles:
        return [
            "  AWS_DEPLOYER_ROLE_ARN: {iam_role: aqp-gha-apply}",
            "  AWS_PLAN_ROLE_ARN: {iam_role: aqp-gha-plan, also_trusted: [pull_request]}",
        ]
    return [
        '  AWS_DEPLOYER_ROLE_ARN: "arn:aws:iam::{account_id}:role/aqp-gha-apply"',
        '  AWS_PLAN_ROLE_ARN: "arn:aws:iam::{account_id}:role/aqp-gha-plan"',
    ]


def scale_config(shape: ScaleShape) -> str:
    """The YAML text of a config with `shape.repositories` repositories."""
    names = repository_names(shape.repositories)
    lines = ["version: 1", "github:", f"  owner: {OWNER}"]
    # The accounts stay even without AWS values: `{account_id}` needs them, and
    # a plan only calls AWS for values or secret sources that live there.
    lines += ["aws:", "  region: us-east-1", "  read_role: aqp-reconciler-read", "  accounts:"]
    lines += [f'    {env}: "{account}"' for env, account in ACCOUNTS.items()]
    lines += [
        "prune: false",
        "environments:",
        "  dev:",
        "    required_approvals: 0",
        "  staging:",
        "    required_approvals: 1",
        f"    reviewers: [team:{TEAM}]",
        "  prod:",
        "    required_approvals: 2",
        f"    reviewers: [team:{TEAM}, user:{USER}]",
        "    deployment_branches: [main]",
        '    deployment_tags: ["v*"]',
        "variables:",
        *_variables(shape.aws_roles),
        "repositories:",
    ]
    for index, name in enumerate(names):
        if shape.dispatch_secret and index == len(names) - 1:
            # The admin repository of the root file: it dispatches to the first one.
            lines += [
                f"  {name}:",
                "    secrets:",
                "      PLATFORM_DISPATCH_TOKEN:",
                "        aws_secret: alphaswarm/platform-dispatch-token",
                "        account: prod",
                f"        check: {{repository_dispatch: {names[0]}}}",
            ]
        else:
            lines.append(f"  {name}: {{}}")
    return "\n".join(lines) + "\n"


def write_scale_config(directory: Path, shape: ScaleShape) -> Path:
    """Write the config under `directory` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"environments-{shape.repositories}.yaml"
    path.write_text(scale_config(shape), encoding="utf-8")
    return path


def converged_plan_requests(shape: ScaleShape) -> int:
    """GitHub requests of a converged plan, cache off: issue 7's formula.

    Per repository 3 + 2*E (environment list, repository variables and
    secrets, each environment's variables and secrets) plus one per environment
    with custom branch policies; the reviewers once per run (a team is its
    record and its member list, a user one lookup); with IAM roles, one OIDC
    subject template per repository. The budget check's GET /rate_limit is
    not included.
    """
    per_repository = 3 + 2 * shape.environments + shape.custom_policy_environments
    per_repository += 1 if shape.aws_roles else 0
    identities = 2 * 1 + 1  # one team, one user
    return shape.repositories * per_repository + identities
