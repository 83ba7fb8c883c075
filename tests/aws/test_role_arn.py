"""The one IAM role ARN format: built for `{iam_role: NAME}`, read back from literal values."""

from __future__ import annotations

import pytest

from reconciler.aws.targets import RoleTarget, role_from_arn
from reconciler.model.desired import IamRoleRef, RoleArn, parse_role_arn, role_arn


def test_a_built_arn_reads_back_as_the_same_role() -> None:
    built = IamRoleRef(role_name="deployer", account_id="111111111111").arn
    assert built == role_arn("111111111111", "deployer")
    assert parse_role_arn(built) == RoleArn("111111111111", "", "deployer")
    assert RoleTarget("111111111111", "deployer").arn == built


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "arn:aws:iam::111111111111:role/ci/deploy/app",
            RoleArn("111111111111", "ci/deploy/", "app"),
        ),
        (
            "arn:aws:iam::111111111111:role/a+b=c,d.e@f-g",
            RoleArn("111111111111", "", "a+b=c,d.e@f-g"),
        ),
        ("arn:aws:iam::11111111111:role/short-account", None),
        ("arn:aws:iam::111111111111:user/not-a-role", None),
        ("arn:aws:iam::111111111111:role/", None),
        ("deployer", None),
    ],
)
def test_role_arns_are_read_with_their_path(text: str, expected: RoleArn | None) -> None:
    assert parse_role_arn(text) == expected


def test_a_literal_value_names_the_role_it_points_at_whatever_its_path() -> None:
    assert role_from_arn("  arn:aws:iam::111111111111:role/ci/app\n") == RoleTarget(
        "111111111111", "app"
    )
    assert role_from_arn("not an arn") is None
