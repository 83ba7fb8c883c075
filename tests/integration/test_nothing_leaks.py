"""Nothing leaks (issue 11, item 5): secret values GitHub echoes, malformed tokens,
credentials in GITHUB_API_URL. Every test runs the CLI against the sandbox and
searches everything a user or a CI log could see: standard output, standard
error and the audit log.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from reconciler.sandbox.github.records import FaultRule
from reconciler.sandbox.runner import Sandbox

from .helpers import ADMIN, OWNER, CliRunner, SandboxFactory

CONFIG = f"""\
version: 1
github: {{owner: {OWNER}}}
environments:
  dev: {{required_approvals: 0}}
repositories:
  {ADMIN}:
    secrets:
      DEPLOY_KEY: {{env: DEPLOY_KEY_SOURCE}}
"""


def _seen(result_out: str, result_err: str, *files: Path) -> str:
    return "\n".join([result_out, result_err, *(f.read_text() for f in files if f.exists())])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def box(make_sandbox: SandboxFactory, config: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox for CONFIG, with an ordinary value in the secret's source."""
    monkeypatch.setenv("DEPLOY_KEY_SOURCE", "value")
    return make_sandbox(config)


def test_a_secret_echoed_by_github_is_scrubbed_everywhere(
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A multi-line value, as a PEM key would be: one-line messages collapse its
    # line breaks, and a message may quote one line of it alone.
    lines = [f"line-{i}-{secrets.token_hex(8)}" for i in range(3)]
    value = "\n".join(lines) + "\n"
    monkeypatch.setenv("DEPLOY_KEY_SOURCE", value)
    echo = f"cannot store {value!s} (first line: {lines[0]}; as JSON: {value!r})"
    # 422 twice: the writer refetches the public key once on 422 and tries again.
    box.github.add_fault(
        FaultRule("PUT", r"/actions/secrets/DEPLOY_KEY$", times=2, status=422, message=echo)
    )
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "-c", config, "--audit-log", audit)

    assert result.code == 1
    seen = _seen(result.out, result.err, audit)
    assert "DEPLOY_KEY" in seen and "(422" in seen
    for line in lines:
        assert line not in seen
    assert "(sensitive)" in result.out


def test_an_empty_env_source_is_a_finding_and_never_written(
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a pull request from a fork sees: GitHub hands it every secret as "".
    monkeypatch.setenv("DEPLOY_KEY_SOURCE", "")

    planned = cli("plan", "-c", config, "--format", "json")
    assert '"code": "secret.source_empty"' in planned.out

    result = cli("apply", "--yes", "-c", config)

    assert result.code == 1
    assert "secret.source_empty" in result.out
    # The finding is about the repository's secret, so it blocks that repository.
    assert "skipped: alpha-swarm-ai/alphaswarm_admin/-/repository_secret/deploy_key" in result.out
    assert not [r for r in box.github.requests if r.method == "PUT" and "/secrets/" in r.path]


def test_a_secret_over_48_kb_is_refused_before_writing(
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPLOY_KEY_SOURCE", "k" * (48 * 1024 + 1))

    result = cli("apply", "--yes", "-c", config)

    assert result.code == 1
    assert "secret.too_large" in result.out
    assert "49,153 bytes" in result.out
    assert not [r for r in box.github.requests if "/secrets/DEPLOY_KEY" in r.path]


@pytest.mark.parametrize(
    "token",
    [
        "ghp_" + "a" * 18 + " " + "b" * 18,
        "ghp_" + "a" * 36 + "\r\nX-Injected: yes",
        "ghp_" + "a" * 18 + "\n" + "b" * 18,
        "ghp_" + "a" * 18 + "\u00e9",
    ],
    ids=["space", "crlf-header", "lf", "non-ascii"],
)
def test_a_malformed_token_is_refused_without_echo(
    token: str,
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", token)

    result = cli("plan", "-c", config)

    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.startswith("error: GITHUB_TOKEN holds a space, a line break or another")
    for part in ("a" * 18, "b" * 18, "X-Injected"):
        assert part not in result.out + result.err
    assert box.github.requests == []


@pytest.mark.parametrize("blank", [" ", "\t\n", "\r\n"])
def test_a_token_of_only_whitespace_is_one_line(
    blank: str,
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", blank)

    result = cli("plan", "-c", config)

    assert result.code == 1
    assert result.err == (
        "error: GH_TOKEN is set but holds only whitespace; set it to the token, or unset it\n"
    )
    assert box.github.requests == []


def test_surrounding_whitespace_of_a_token_is_dropped(
    cli: CliRunner, box: Sandbox, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A trailing newline is what `echo TOKEN > file` or a pasted secret leaves.
    monkeypatch.setenv("GITHUB_TOKEN", f"  {box.token}\n")

    result = cli("plan", "-c", config)

    assert result.code == 0, result.err


@pytest.mark.parametrize(
    ("userinfo", "tail"),
    [("deploy:hunter2-pw@", ""), ("ghp_embeddedtoken@", ""), ("", "?access_token=hunter2-pw")],
)
def test_credentials_in_the_api_url_are_never_printed(
    userinfo: str,
    tail: str,
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = box.github.url
    scheme, rest = base.split("://", 1)
    monkeypatch.setenv("GITHUB_API_URL", f"{scheme}://{userinfo}{rest}{tail}")

    for command in (("plan", "-c", config), ("apply", "--yes", "-c", config)):
        result = cli(*command)
        assert result.code == 1
        seen = result.out + result.err
        assert "Traceback" not in seen
        for secret in ("hunter2", "deploy:", "embeddedtoken"):
            assert secret not in seen
        assert result.err.startswith(f"error: GITHUB_API_URL {scheme}://")
    assert box.github.requests == []


def test_an_unparsable_api_url_is_not_quoted(
    cli: CliRunner, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t" * 40)
    monkeypatch.setenv("GITHUB_API_URL", "https://user:hunter2@[::1/api")
    result = cli("plan", "-c", config)
    assert result.code == 1
    assert "hunter2" not in result.out + result.err
    assert (
        result.err == "error: GITHUB_API_URL is not a valid URL (expected https://HOST[/api/v3])\n"
    )


# Issue 17, item 4: whatever GitHub echoes. Everything a user or CI log sees is
# searched case-insensitively for any 10 characters in a row of the value.


def _pieces(value: str, width: int = 10) -> list[str]:
    return [value[i : i + width].lower() for i in range(len(value) - width + 1)]


def _leaked(value: str, seen: str) -> list[str]:
    return [piece for piece in _pieces(value) if piece in seen.lower()]


@pytest.mark.parametrize("case", ["as-sent", "upper-cased"])
def test_a_secret_echoed_past_the_cut_leaves_no_part_of_it(
    case: str,
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 34 characters, echoed after 280 others: a message cut at 300 before it is
    # scrubbed keeps the first 20 of them.
    value = "qz-" + secrets.token_urlsafe(24)[:31]
    assert len(value) == 34
    monkeypatch.setenv("DEPLOY_KEY_SOURCE", value)
    echoed = value.upper() if case == "upper-cased" else value
    box.github.add_fault(
        FaultRule(
            "PUT", r"/actions/secrets/DEPLOY_KEY$", times=20, status=500, message="x" * 280 + echoed
        )
    )
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "-c", config, "--audit-log", audit)

    assert result.code == 1
    seen = _seen(result.out, result.err, audit)
    assert "DEPLOY_KEY" in seen and "answered 500" in seen
    assert _leaked(value, seen) == []
    assert "(sensitive)" in result.out


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("PUT", r"/environments/dev$", 403),
        ("PUT", r"/environments/dev$", 422),
        ("PUT", r"/actions/secrets/DEPLOY_KEY$", 422),
        ("GET", r"/environments$", 403),
    ],
    ids=["403-write", "422-write", "422-secret", "403-read"],
)
def test_the_token_github_echoes_is_never_printed(
    method: str,
    path: str,
    status: int,
    cli: CliRunner,
    box: Sandbox,
    config: Path,
    tmp_path: Path,
) -> None:
    box.github.add_fault(
        FaultRule(
            method,
            path,
            times=4,
            status=status,
            message="Bad credentials {credential}; as typed: " + box.token.upper(),
        )
    )
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "-c", config, "--audit-log", audit)

    assert result.code == 1
    seen = _seen(result.out, result.err, audit)
    assert f"({status}: Bad credentials (sensitive); as typed: (sensitive))" in seen
    assert _leaked(box.token, seen) == []
    assert "Traceback" not in seen


@pytest.mark.parametrize(
    "url",
    [
        "https:/deploy:hunter2-pw@ghe.example/api/v3",
        "deploy:hunter2-pw@ghe.example",
        "https://ghe.example/api/v3/deploy:hunter2-pw@ghe.example",
        "ghp_hunter2-pw-pasted-into-the-wrong-variable",
        "https://deploy:hunter2-pw@",
    ],
    ids=["one-slash", "no-scheme", "in-path", "a-token", "no-host"],
)
def test_a_malformed_api_url_never_echoes_its_user_info(
    url: str, cli: CliRunner, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t" * 40)
    monkeypatch.setenv("GITHUB_API_URL", url)

    for command in (("plan", "-c", config), ("apply", "--yes", "-c", config)):
        result = cli(*command)
        assert result.code == 1
        assert "Traceback" not in result.err
        assert len(result.err.splitlines()) == 1, result.err
        assert result.err.startswith("error: GITHUB_API_URL ")
        for part in ("hunter2", "deploy"):
            assert part not in result.out + result.err
