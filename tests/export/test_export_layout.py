"""export_config on hand-built live states: the structure and comments of the YAML."""

from __future__ import annotations

import pytest

from reconciler.export import SECRET_NOTE, export_config, four_eyes_note, placeholder_name
from reconciler.model.observed import Identities, ObservedReviewer, TeamInfo, UserInfo

from .builders import OWNER, comment_lines, env, parse, repo, team, user, variables


def test_header_version_owner_and_sorted_repositories() -> None:
    text = export_config(OWNER, [repo("zeta"), repo("Alpha")])
    data = parse(text)
    assert text.startswith("# environments.yaml exported by `reconcile export`")
    assert data["version"] == 1
    assert data["github"] == {"owner": OWNER}
    assert list(data["repositories"]) == ["Alpha", "zeta"]
    assert "aws" not in data


def test_empty_repository_is_an_empty_mapping() -> None:
    data = parse(export_config(OWNER, [repo("empty")]))
    assert data["environments"] == {}
    assert data["repositories"] == {"empty": {}}


def test_identical_environments_are_shared_and_the_rest_are_overrides() -> None:
    dev = env("dev", vars=variables(LOG_LEVEL="debug"))
    a = repo("a", dev, env("prod", reviewers=[team("ops")]), env("qa"))
    b = repo("b", dev, env("prod", reviewers=[team("ops"), user("octocat")]))
    data = parse(export_config(OWNER, [a, b]))

    assert data["environments"] == {
        "dev": {"required_approvals": 0, "variables": {"LOG_LEVEL": "debug"}}
    }
    assert data["repositories"]["a"]["environments"] == {
        # GitHub's default for a new environment, written out where reviewers are.
        "prod": {"required_approvals": 1, "reviewers": ["team:ops"], "admins_bypass": True},
        "qa": {"required_approvals": 0},
    }
    assert data["repositories"]["b"]["environments"] == {
        "prod": {
            "required_approvals": 1,
            "reviewers": ["team:ops", "user:octocat"],
            "admins_bypass": True,
        },
    }


def test_environment_names_differing_only_in_case_are_still_shared() -> None:
    data = parse(export_config(OWNER, [repo("a", env("Prod")), repo("b", env("prod"))]))
    assert data["environments"] == {"Prod": {"required_approvals": 0}}
    assert data["repositories"] == {"a": {}, "b": {}}


def test_a_single_repository_shares_all_its_environments() -> None:
    data = parse(export_config(OWNER, [repo("only", env("dev"), env("prod", wait_timer=3))]))
    assert set(data["environments"]) == {"dev", "prod"}
    assert data["environments"]["prod"]["wait_timer"] == 3
    assert data["repositories"] == {"only": {}}


def test_environments_and_variables_are_in_sorted_order() -> None:
    live = repo(
        "r",
        env("staging"),
        env("Dev", vars=variables(ZED="1", ALPHA="2", mid="3")),
        env("prod"),
    )
    data = parse(export_config(OWNER, [live]))
    assert list(data["environments"]) == ["Dev", "prod", "staging"]
    assert list(data["environments"]["Dev"]["variables"]) == ["ALPHA", "mid", "ZED"]


def test_reviewers_are_typed_and_sorted_teams_first() -> None:
    reviewers = [user("zoe"), team("platform"), user("Alice"), team("admins")]
    data = parse(export_config(OWNER, [repo("r", env("prod", reviewers=reviewers))]))
    assert data["environments"]["prod"]["reviewers"] == [
        "team:admins",
        "team:platform",
        "user:Alice",
        "user:zoe",
    ]


# ops: two people; octocat: one.
KNOWN = Identities(
    teams={"ops": TeamInfo("ops", 10, ("alice", "bob"))}, users={"octocat": UserInfo("octocat", 20)}
)


def test_approvals_are_inferred_from_reviewers_and_self_review() -> None:
    live = repo(
        "r",
        env("none"),
        env("none_self", prevent_self_review=True),
        env("one", reviewers=[team("ops")]),
        env("four_eyes", reviewers=[team("ops")], prevent_self_review=True, admins_bypass=False),
    )
    text = export_config(OWNER, [live], identities=KNOWN)
    shared = parse(text)["environments"]
    assert {name: e["required_approvals"] for name, e in shared.items()} == {
        "four_eyes": 2,
        "none": 0,
        "none_self": 0,
        "one": 1,
    }
    # 2 already implies prevent_self_review; with 1 it was false; so it is not written.
    assert all("prevent_self_review" not in e for e in shared.values())
    assert "reviewers" not in shared["none_self"]
    assert len(comment_lines(text, "inferred: reviewers with prevent_self_review")) == 1
    assert len(comment_lines(text, "inferred: reviewers without prevent_self_review")) == 1
    assert len(comment_lines(text, "no required reviewers on GitHub")) == 2


@pytest.mark.parametrize(
    ("reviewers", "bypass", "identities", "gaps"),
    [
        ([team("ops")], True, KNOWN, ["administrators may bypass its protection rules"]),
        (
            [user("octocat")],
            False,
            KNOWN,
            ["its reviewers resolve to 1 of the two people needed (octocat)"],
        ),
        (
            [user("octocat")],
            True,
            KNOWN,
            [
                "administrators may bypass its protection rules",
                "its reviewers resolve to 1 of the two people needed (octocat)",
            ],
        ),
        ([team("ops")], None, KNOWN, ["whether administrators may bypass its rules is unknown"]),
        # Nobody looked up: the people cannot be counted, so it is not taken for 4-eyes.
        (
            [team("ops")],
            False,
            None,
            ["its reviewers resolve to 0 of the two people needed (nobody)"],
        ),
    ],
)
def test_self_review_prevented_short_of_four_eyes_is_described_as_it_is(
    reviewers: list[ObservedReviewer],
    bypass: bool | None,
    identities: Identities | None,
    gaps: list[str],
) -> None:
    live = repo(
        "r", env("prod", reviewers=reviewers, prevent_self_review=True, admins_bypass=bypass)
    )
    text = export_config(OWNER, [live], identities=identities)
    prod = parse(text)["environments"]["prod"]
    assert prod["required_approvals"] == 1
    assert prod["prevent_self_review"] is True
    if bypass is None:
        assert "admins_bypass" not in prod
    else:
        assert prod["admins_bypass"] is bypass
    note = four_eyes_note(gaps)
    commented = "\n".join(line.strip().removeprefix("# ") for line in text.splitlines())
    assert note in commented
    assert len(comment_lines(text, "not 4-eyes (see the note above)")) == 1


def test_wait_timer_only_when_positive() -> None:
    live = repo("r", env("a", wait_timer=0), env("b", wait_timer=30))
    shared = parse(export_config(OWNER, [live]))["environments"]
    assert "wait_timer" not in shared["a"]
    assert shared["b"]["wait_timer"] == 30


def test_custom_branch_and_tag_policies_sorted() -> None:
    live = repo(
        "r",
        env("both", branches=["release/*", "main"], tags=["v*", "hotfix-*"]),
        env("tags_only", tags=["v*"]),
        env("branches_only", branches=["main"]),
    )
    shared = parse(export_config(OWNER, [live]))["environments"]
    assert shared["both"]["deployment_branches"] == ["main", "release/*"]
    assert shared["both"]["deployment_tags"] == ["hotfix-*", "v*"]
    assert "deployment_branches" not in shared["tags_only"]
    assert shared["tags_only"]["deployment_tags"] == ["v*"]
    assert "deployment_tags" not in shared["branches_only"]


def test_custom_policy_without_patterns_stays_a_restriction() -> None:
    shared = parse(export_config(OWNER, [repo("r", env("locked", policy="custom"))]))
    assert shared["environments"]["locked"]["deployment_branches"] == []


def test_protected_branches_policy_is_exported_as_the_word() -> None:
    text = export_config(OWNER, [repo("r", env("prod", policy="protected"), env("dev"))])
    prod = parse(text)["environments"]["prod"]
    assert prod["deployment_branches"] == "protected"
    assert "deployment_tags" not in prod
    assert "  deployment_branches: protected\n" in text.replace("    ", "  ")


def test_the_four_eyes_note_sits_above_its_environment() -> None:
    live = env("prod", reviewers=[team("ops")], prevent_self_review=True, admins_bypass=True)
    text = export_config(OWNER, [repo("r", live, env("dev"))], identities=KNOWN)
    first_line = four_eyes_note([]).splitlines()[0]
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if first_line in line)
    # The note sits right above the environment it is about, at its indentation.
    following = next(line for line in lines[at + 1 :] if not line.lstrip().startswith("#"))
    assert following == "  prod:"
    assert lines[at].startswith("  # ")


def test_unmanaged_protection_rules_are_mentioned() -> None:
    text = export_config(OWNER, [repo("r", env("prod", other_rules=["my_app_gate"]))])
    assert any(
        "my_app_gate" in line and line.lstrip().startswith("#") for line in text.splitlines()
    )


def test_variables_are_literal_strings_with_braces_escaped() -> None:
    values = variables(FLAG="on", COUNT="123", EMPTY="", TEMPLATE="{repo}-}{", MULTI="a\nb")
    text = export_config(OWNER, [repo("r", env("dev", vars=values))])
    got = parse(text)["environments"]["dev"]["variables"]
    assert got == {
        "COUNT": "123",
        "EMPTY": "",
        "FLAG": "on",
        "MULTI": "a\nb",
        # The config fills {repo}; doubled braces read back as the literal text.
        "TEMPLATE": "{{repo}}-}}{{",
    }
    # Quoted so that YAML 1.1 readers do not see a boolean.
    assert "FLAG: 'on'" in text


def test_environment_secrets_become_env_placeholders_with_a_comment_each() -> None:
    live = repo("alphaswarm_admin", env("prod", secret_names=["DB_PASSWORD", "API_KEY"]))
    text = export_config(OWNER, [live])
    data = parse(text)
    # Secrets are per repository, so the shared prod carries none.
    assert "secrets" not in data["environments"]["prod"]
    override = data["repositories"]["alphaswarm_admin"]["environments"]["prod"]
    assert override == {
        "secrets": {
            "API_KEY": {"env": "RECONCILE_ALPHASWARM_ADMIN_PROD_API_KEY"},
            "DB_PASSWORD": {"env": "RECONCILE_ALPHASWARM_ADMIN_PROD_DB_PASSWORD"},
        }
    }
    assert len(comment_lines(text, SECRET_NOTE)) == 2
    for line in comment_lines(text, SECRET_NOTE):
        assert "{env: RECONCILE_ALPHASWARM_ADMIN_PROD_" in line


def test_repository_variables_are_literal_and_repository_secrets_placeholders() -> None:
    live = repo(
        "alphaswarm_admin",
        vars=variables(REGION="eu-west-1"),
        secret_names=["PLATFORM_DISPATCH_TOKEN"],
    )
    text = export_config(OWNER, [live])
    got = parse(text)["repositories"]["alphaswarm_admin"]
    assert got == {
        "variables": {"REGION": "eu-west-1"},
        "secrets": {
            "PLATFORM_DISPATCH_TOKEN": {"env": "RECONCILE_ALPHASWARM_ADMIN_PLATFORM_DISPATCH_TOKEN"}
        },
    }
    assert len(comment_lines(text, SECRET_NOTE)) == 1


def test_secrets_of_non_shared_environments_sit_in_the_full_declaration() -> None:
    a = repo("a", env("prod", reviewers=[team("ops")], secret_names=["TOKEN"]))
    b = repo("b", env("prod"))
    data = parse(export_config(OWNER, [a, b]))
    assert data["environments"] == {}
    assert data["repositories"]["a"]["environments"]["prod"] == {
        "required_approvals": 1,
        "reviewers": ["team:ops"],
        "admins_bypass": True,
        "secrets": {"TOKEN": {"env": "RECONCILE_A_PROD_TOKEN"}},
    }


def test_placeholder_names_are_upper_case_alnum_and_unique() -> None:
    assert (
        placeholder_name("my-repo.x", "pre prod", "Db_Pass")
        == "RECONCILE_MY_REPO_X_PRE_PROD_DB_PASS"
    )
    # "a-b"/"c" and "a"/"b-c" would both be RECONCILE_A_B_C_S: the second gets a suffix.
    text = export_config(
        OWNER,
        [repo("a-b", env("c", secret_names=["S"])), repo("a", env("b-c", secret_names=["S"]))],
    )
    data = parse(text)["repositories"]
    first = data["a"]["environments"]["b-c"]["secrets"]["S"]["env"]
    second = data["a-b"]["environments"]["c"]["secrets"]["S"]["env"]
    assert {first, second} == {"RECONCILE_A_B_C_S", "RECONCILE_A_B_C_S_2"}


def test_aws_accounts_kept_for_exported_environments_and_role_arns_noted() -> None:
    arn = "arn:aws:iam::111111111111:role/aqp-gha-apply"
    other = "arn:aws:iam::999999999999:role/elsewhere"
    # Under a path: `{iam_role: NAME}` would name role/NAME, a different ARN.
    pathed = "arn:aws:iam::111111111111:role/ci/aqp-gha-plan"
    live = repo("r", env("dev", vars=variables(DEPLOY=arn, OTHER=other, PATHED=pathed)))
    text = export_config(
        OWNER, [live], aws_accounts={"dev": "111111111111", "gone": "222222222222"}
    )
    data = parse(text)
    assert data["aws"] == {"accounts": {"dev": "111111111111"}}
    # Role ARNs stay literal; the one in the environment's own account gets a hint.
    assert data["environments"]["dev"]["variables"] == {
        "DEPLOY": arn,
        "OTHER": other,
        "PATHED": pathed,
    }
    hints = comment_lines(text, "iam_role")
    assert len(hints) == 1
    assert "{iam_role: aqp-gha-apply}" in hints[0]
    assert "DEPLOY:" in hints[0]


def test_environment_names_version_1_cannot_declare_are_left_out_with_a_note() -> None:
    text = export_config(OWNER, [repo("r", env("my env"), env("dev"))])
    data = parse(text)
    assert list(data["environments"]) == ["dev"]
    assert any("'my env'" in line for line in text.splitlines() if line.startswith("#"))


def test_output_is_deterministic() -> None:
    live = [
        repo("b", env("x", reviewers=[user("u"), team("t")], vars=variables(B="1", A="2"))),
        repo("a", env("x", secret_names=["S2", "S1"])),
    ]
    assert export_config(OWNER, live) == export_config(OWNER, list(reversed(live)))
