"""`reconcile diff OLD NEW`: what a change to environments.yaml changes, offline."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from isolation import FIXTURE_CONFIG

from reconciler.cli import main


def _diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], new_text: str, old: Path = FIXTURE_CONFIG
) -> dict:
    new = tmp_path / "new.yaml"
    new.write_text(new_text)
    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    doc: dict = json.loads(capsys.readouterr().out)
    return doc


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("reconcile diff must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_identical_files_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _diff(tmp_path, capsys, FIXTURE_CONFIG.read_text())
    assert (doc["changes"], doc["unmanaged"], doc["findings"]) == ([], [], [])


def test_admins_bypass_changes_are_environment_updates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = FIXTURE_CONFIG.read_text().replace(
        "    reviewers: [team:platform-approvers]\n",
        "    reviewers: [team:platform-approvers]\n    admins_bypass: true\n",
        1,
    )
    text = text.replace(
        "    required_approvals: 0\n", "    required_approvals: 0\n    admins_bypass: false\n", 1
    )
    doc = _diff(tmp_path, capsys, text)
    changes = {
        (c["environment"], json.dumps(c["before"]), json.dumps(c["after"])) for c in doc["changes"]
    }
    # staging turned on (was the default off); dev now managed (GitHub's default was on).
    assert changes == {
        ("staging", '{"admins_bypass": false}', '{"admins_bypass": true}'),
        ("dev", '{"admins_bypass": true}', '{"admins_bypass": false}'),
    }
    assert len(doc["changes"]) == 4  # both repositories


def test_a_role_change_is_shown_as_references(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _diff(
        tmp_path, capsys, FIXTURE_CONFIG.read_text().replace("aqp-gha-plan", "aqp-gha-readonly")
    )
    assert len(doc["changes"]) == 6
    change = doc["changes"][0]
    assert change["before"] == {
        "value": "iam_role:aqp-gha-plan@111111111111 also_trusted:pull_request"
    }
    assert change["after"] == {
        "value": "iam_role:aqp-gha-readonly@111111111111 also_trusted:pull_request"
    }


def test_widening_a_roles_trust_is_a_visible_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = "also_trusted: [pull_request]"
    assert declared in FIXTURE_CONFIG.read_text()
    text = FIXTURE_CONFIG.read_text().replace(
        declared, 'also_trusted: [pull_request, "ref:refs/heads/main"]'
    )
    doc = _diff(tmp_path, capsys, text)
    assert len(doc["changes"]) == 6  # the plan role in 3 environments of 2 repositories
    assert {c["name"] for c in doc["changes"]} == {"AWS_PLAN_ROLE_ARN"}
    assert doc["changes"][0]["after"]["value"].endswith(
        "also_trusted:pull_request,ref:refs/heads/main"
    )


def test_a_secret_source_change_is_an_update_without_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = FIXTURE_CONFIG.read_text().replace(
        "alphaswarm/platform-dispatch-token", "alphaswarm/platform-dispatch-token-v2"
    )
    doc = _diff(tmp_path, capsys, text)
    assert [c["id"] for c in doc["changes"]] == [
        "alpha-swarm-ai/alphaswarm_admin/-/repository_secret/platform_dispatch_token/update"
    ]
    change = doc["changes"][0]
    assert change["after"]["value"] == "(sensitive)"
    assert change["after"]["source"].startswith("aws_secret:alphaswarm/platform-dispatch-token-v2")


def test_a_new_file_is_all_creates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _diff(tmp_path, capsys, FIXTURE_CONFIG.read_text(), old=Path("/dev/null"))
    assert {c["action"] for c in doc["changes"]} == {"create"}
    assert doc["summary"]["create"] == 23


def test_a_reviewer_change_is_an_environment_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = FIXTURE_CONFIG.read_text().replace(
        "reviewers: [team:platform-approvers]", "reviewers: [team:platform-approvers, user:octocat]"
    )
    doc = _diff(tmp_path, capsys, text)
    envs = {c["environment"] for c in doc["changes"]}
    assert envs == {"staging"}
    assert all(c["resource"] == "environment" for c in doc["changes"])
    assert doc["changes"][0]["after"]["reviewers"] == ["team:platform-approvers", "user:octocat"]
