"""The repository_dispatch token check, against the GitHub emulator."""

from __future__ import annotations

import secrets
import traceback
from datetime import UTC, datetime, timedelta

import pytest
from gh_support import FAST_TRANSPORT, OWNER

from reconciler.github.dispatch_check import (
    check_dispatch_token,
    parse_expiration,
    source_unreadable_finding,
)
from reconciler.github.errors import GitHubError
from reconciler.model.findings import Code
from reconciler.model.plan import Finding, Severity
from reconciler.sandbox.github import FaultRule, GitHubEmulator

TARGET_NAME = "platform"
TARGET = f"{OWNER}/{TARGET_NAME}"
HOME = f"{OWNER}/admin"  # where the secret lives
SECRET = "PLATFORM_DISPATCH_TOKEN"
DISPATCH_TOKEN = "test-dispatch-token-" + secrets.token_hex(12)


@pytest.fixture
def target(emu: GitHubEmulator) -> GitHubEmulator:
    emu.add_repo(OWNER, TARGET_NAME)
    emu.add_repo(OWNER, "admin")
    emu.add_repo(OWNER, "elsewhere")
    emu.clear_requests()
    return emu


def _check(
    emu: GitHubEmulator,
    token: str = DISPATCH_TOKEN,
    *,
    warn_days: int = 14,
    now: datetime | None = None,
    environment: str | None = None,
) -> list[Finding]:
    findings = check_dispatch_token(
        emu.url,
        token,
        TARGET,
        secret_name=SECRET,
        repository=HOME,
        environment=environment,
        warn_days=warn_days,
        now=now or datetime.now(UTC),
        transport=FAST_TRANSPORT,
        timeout=10,
    )
    for finding in findings:
        _assert_no_value(token, finding.message, repr(finding), str(finding.to_json()))
    return findings


def _assert_no_value(token: str, *texts: str) -> None:
    for value in {token, token.strip()} - {""}:
        for text in texts:
            assert value not in text


def _only_gets(emu: GitHubEmulator) -> None:
    methods = {r.method for r in emu.requests}
    assert methods == {"GET"}, methods
    assert not emu.dispatches


def _codes(findings: list[Finding]) -> list[tuple[Severity, str]]:
    return [(f.severity, f.code) for f in findings]


def test_a_valid_token_with_access_and_a_far_expiry_has_no_finding(
    target: GitHubEmulator,
) -> None:
    far = datetime.now(UTC) + timedelta(days=200)
    target.add_token(DISPATCH_TOKEN, login="dispatcher", repos=[TARGET], expires_at=far)

    assert _check(target) == []
    assert [(r.method, r.path, r.identity) for r in target.requests] == [
        ("GET", f"/repos/{TARGET}", "dispatcher")
    ]
    _only_gets(target)


def test_a_token_without_an_expiry_and_without_classic_scopes_passes(
    target: GitHubEmulator,
) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher", scopes=None)

    assert _check(target) == []
    _only_gets(target)


def test_an_unknown_token_is_invalid(target: GitHubEmulator) -> None:
    findings = _check(target)

    assert _codes(findings) == [(Severity.ERROR, Code.TOKEN_INVALID)]
    finding = findings[0]
    assert (finding.repository, finding.environment) == (HOME, None)
    assert SECRET in finding.message and TARGET in finding.message
    assert "401" in finding.message
    _only_gets(target)


def test_a_token_scoped_to_another_repository_has_no_access(target: GitHubEmulator) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher", repos=[f"{OWNER}/elsewhere"])

    findings = _check(target, environment="prod")

    assert _codes(findings) == [(Severity.ERROR, Code.NO_ACCESS)]
    assert "404" in findings[0].message
    assert findings[0].environment == "prod"
    _only_gets(target)


def test_a_read_only_token_has_no_access(target: GitHubEmulator) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher", write=False)

    findings = _check(target)

    assert _codes(findings) == [(Severity.ERROR, Code.NO_ACCESS)]
    assert "write" in findings[0].message
    _only_gets(target)


def test_a_token_whose_user_only_reads_the_target_has_no_access(
    target: GitHubEmulator,
) -> None:
    target.add_user("reader")
    target.add_collaborator(OWNER, TARGET_NAME, "reader", "pull")
    target.add_token(DISPATCH_TOKEN, login="reader")

    assert _codes(_check(target)) == [(Severity.ERROR, Code.NO_ACCESS)]


def test_a_token_expiring_in_three_days_is_a_warning(target: GitHubEmulator) -> None:
    now = datetime.now(UTC)
    expires = now + timedelta(days=3, hours=2)
    target.add_token(DISPATCH_TOKEN, login="dispatcher", expires_at=expires)

    findings = _check(target, now=now)

    assert _codes(findings) == [(Severity.WARNING, Code.TOKEN_EXPIRING)]
    assert expires.strftime("%Y-%m-%d") in findings[0].message
    assert "3 days" in findings[0].message
    _only_gets(target)


def test_the_warning_window_is_configurable(target: GitHubEmulator) -> None:
    now = datetime.now(UTC)
    target.add_token(DISPATCH_TOKEN, login="dispatcher", expires_at=now + timedelta(days=20))

    assert _check(target, now=now) == []
    assert _codes(_check(target, now=now, warn_days=30)) == [
        (Severity.WARNING, Code.TOKEN_EXPIRING)
    ]


def test_an_expired_token_is_rejected_by_github_as_invalid(target: GitHubEmulator) -> None:
    # GitHub (and the emulator) answer an expired token with 401 Bad credentials,
    # indistinguishable from a wrong one, so the finding says it may have expired.
    past = datetime.now(UTC) - timedelta(days=1)
    target.add_token(DISPATCH_TOKEN, login="dispatcher", expires_at=past)

    findings = _check(target)

    assert _codes(findings) == [(Severity.ERROR, Code.TOKEN_INVALID)]
    assert "expired" in findings[0].message
    assert [r.status for r in target.requests] == [401]


def test_an_expiry_date_already_past_for_our_clock_is_an_error(target: GitHubEmulator) -> None:
    # GitHub still accepted the token, but by the run's clock its date has passed.
    real_now = datetime.now(UTC)
    target.add_token(DISPATCH_TOKEN, login="dispatcher", expires_at=real_now + timedelta(days=10))

    findings = _check(target, now=real_now + timedelta(days=11))

    assert _codes(findings) == [(Severity.ERROR, Code.TOKEN_EXPIRED)]


def test_a_classic_token_without_repo_scope_has_no_access(target: GitHubEmulator) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher", scopes="read:org, workflow")

    findings = _check(target)

    assert _codes(findings) == [(Severity.ERROR, Code.NO_ACCESS)]
    assert "read:org, workflow" in findings[0].message
    _only_gets(target)


def test_public_repo_scope_is_not_enough_for_a_private_repository(
    target: GitHubEmulator,
) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher", scopes="public_repo")

    assert _codes(_check(target)) == [(Severity.ERROR, Code.NO_ACCESS)]


def test_access_and_expiry_findings_are_reported_together(target: GitHubEmulator) -> None:
    now = datetime.now(UTC)
    target.add_token(
        DISPATCH_TOKEN,
        login="dispatcher",
        write=False,
        scopes="gist",
        expires_at=now + timedelta(hours=5),
    )

    findings = _check(target, now=now)

    assert sorted(_codes(findings)) == [
        (Severity.ERROR, Code.NO_ACCESS),
        (Severity.ERROR, Code.NO_ACCESS),
        (Severity.WARNING, Code.TOKEN_EXPIRING),
    ]
    assert "5 hours" in findings[-1].message or "4 hours" in findings[-1].message


def test_a_403_is_no_access_with_githubs_reason(target: GitHubEmulator) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher")
    target.add_fault(FaultRule("GET", rf"^/repos/{TARGET}$", times=1, kind="status", status=403))

    findings = _check(target)

    assert _codes(findings) == [(Severity.ERROR, Code.NO_ACCESS)]
    assert "403: Injected fault" in findings[0].message
    assert TARGET in findings[0].message and SECRET in findings[0].message


@pytest.mark.parametrize("value", ["", "   \n", "ghp_with space", "ghp_line\nbreak", "tök€n"])
def test_a_value_that_cannot_be_a_token_is_invalid_without_a_request(
    target: GitHubEmulator, value: str
) -> None:
    findings = _check(target, value)

    assert _codes(findings) == [(Severity.ERROR, Code.TOKEN_INVALID)]
    assert target.requests == []


def test_surrounding_whitespace_of_the_value_is_ignored(target: GitHubEmulator) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher")

    assert _check(target, f"  {DISPATCH_TOKEN}\n") == []


def test_a_server_failure_raises_without_the_value_or_a_chain(target: GitHubEmulator) -> None:
    target.add_token(DISPATCH_TOKEN, login="dispatcher")
    target.add_fault(FaultRule("GET", rf"^/repos/{TARGET}$", times=50, kind="status", status=502))

    with pytest.raises(GitHubError) as caught:
        _check(target)

    error = caught.value
    assert error.status == 502
    assert error.__cause__ is None and error.__context__ is None
    rendered = "".join(traceback.format_exception(error))
    _assert_no_value(DISPATCH_TOKEN, str(error), rendered)
    assert SECRET in str(error) and "502" in str(error)
    _only_gets(target)


def test_an_unreachable_api_raises_a_network_error() -> None:
    with pytest.raises(GitHubError) as caught:
        check_dispatch_token(
            "http://127.0.0.1:9",  # discard port: nothing listens
            DISPATCH_TOKEN,
            TARGET,
            secret_name=SECRET,
            repository=HOME,
            environment=None,
            now=datetime.now(UTC),
            transport=FAST_TRANSPORT,
            timeout=2,
        )
    assert caught.value.kind == "network"
    assert caught.value.__context__ is None
    _assert_no_value(DISPATCH_TOKEN, str(caught.value))


def test_plain_http_to_a_remote_host_is_refused_before_sending() -> None:
    with pytest.raises(GitHubError) as caught:
        check_dispatch_token(
            "http://github.example.com",
            DISPATCH_TOKEN,
            TARGET,
            secret_name=SECRET,
            repository=HOME,
            environment=None,
            now=datetime.now(UTC),
        )
    assert caught.value.kind == "config"
    _assert_no_value(DISPATCH_TOKEN, str(caught.value))


def test_a_target_that_is_not_owner_slash_name_is_refused() -> None:
    with pytest.raises(GitHubError, match="not 'owner/name'"):
        check_dispatch_token(
            "https://api.github.com",
            DISPATCH_TOKEN,
            "platform",
            secret_name=SECRET,
            repository=HOME,
            environment=None,
            now=datetime.now(UTC),
        )


@pytest.mark.parametrize(
    "header",
    [
        "2026-12-01 00:00:00 UTC",
        "2026-12-01 00:00:00 +0000",
        "2026-12-01 01:00:00 +0100",
        "2026-12-01T00:00:00Z",
        "2026-12-01T00:00:00+00:00",
        "2026-12-01 00:00 UTC",
        "  2026-12-01   00:00:00   UTC ",
    ],
)
def test_expiration_header_forms(header: str) -> None:
    assert parse_expiration(header) == datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("header", ["", "never", "2026-13-01 00:00:00 UTC", "12/01/2026"])
def test_unreadable_expiration_headers(header: str) -> None:
    assert parse_expiration(header) is None


def test_source_unreadable_finding() -> None:
    finding = source_unreadable_finding(
        "AccessDenied reading aws_secret:alphaswarm/platform-dispatch-token",
        secret_name=SECRET,
        repository=HOME,
        environment=None,
    )
    assert (finding.severity, finding.code) == (Severity.ERROR, Code.SOURCE_UNREADABLE)
    assert (finding.repository, finding.environment) == (HOME, None)
    assert SECRET in finding.message
    assert "AccessDenied" in finding.message


def test_finding_codes() -> None:
    # Part of the external contract: CI greps for these spellings.
    assert [c.value for c in Code if c.value.startswith("dispatch.")] == [
        "dispatch.token_invalid",
        "dispatch.no_access",
        "dispatch.token_expiring",
        "dispatch.token_expired",
        "dispatch.source_unreadable",
    ]
