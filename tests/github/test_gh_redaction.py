"""Nothing leaks (issue 11, item 5), at the adapter: scrubbing, tokens, API URLs and
the checks a secret value passes before it is sealed."""

from __future__ import annotations

import json

import pytest
from gh_support import FAST_TRANSPORT, FULL, OWNER, REPO, TOKEN, app_key_pair

from reconciler.github import (
    GitHubConnection,
    GitHubError,
    GitHubWriter,
    TokenCredentials,
    connection_from_env,
    observe_repository,
)
from reconciler.github.connection import check_api_url, credentials_from_env
from reconciler.github.masking import clip
from reconciler.github.redaction import REDACTED, checked_token, scrub
from reconciler.sandbox.github import FaultRule, GitHubEmulator

PEM = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----\n"


@pytest.mark.parametrize(
    "text",
    [
        f"echo: {PEM}",
        f"collapsed: {' '.join(PEM.split())}",
        f"json: {json.dumps(PEM)}",
        "one line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC.",
        f"trimmed: {PEM.strip()}!",
    ],
    ids=["verbatim", "collapsed", "json", "a-line", "trimmed"],
)
def test_scrub_removes_every_form_of_a_value(text: str) -> None:
    cleaned = scrub(text, PEM)
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in cleaned
    assert "BKcwggSjAgEAAoIBAQC7" not in cleaned
    assert REDACTED in cleaned


def test_scrub_keeps_the_message_around_short_lines_and_empty_values() -> None:
    # Lines under 8 characters are not scrubbed one by one: "}" would blank out
    # half of any message. The whole value still is.
    value = "{\n  a\n}"
    assert (
        scrub("GitHub rejected it (422: } missing)", value) == "GitHub rejected it (422: } missing)"
    )
    assert scrub(f"saw {value}", value) == f"saw {REDACTED}"
    assert scrub("nothing to hide", "") == "nothing to hide"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("tok123", "tok123"), ("  tok123\n", "tok123"), ("\ttok123\r\n", "tok123")],
)
def test_whitespace_around_a_token_is_dropped(raw: str, expected: str) -> None:
    assert checked_token(raw, "GITHUB_TOKEN") == expected


@pytest.mark.parametrize("raw", ["qzx 987", "qzx\r\n987", "qzx\n987", "qzx\t987", "qzxé987"])
def test_whitespace_or_control_characters_inside_a_token_are_refused_unquoted(raw: str) -> None:
    with pytest.raises(GitHubError) as caught:
        credentials_from_env({"GITHUB_TOKEN": raw}, "o", "r")
    assert caught.value.kind == "config"
    assert "987" not in str(caught.value) and "qzx" not in str(caught.value)


def test_a_blank_github_token_does_not_fall_back_to_gh_token() -> None:
    with pytest.raises(GitHubError, match="GITHUB_TOKEN is set but holds only whitespace"):
        credentials_from_env({"GITHUB_TOKEN": " \n", "GH_TOKEN": "tok"}, "o", "r")
    creds = credentials_from_env({"GITHUB_TOKEN": "", "GH_TOKEN": " tok "}, "o", "r")
    assert isinstance(creds, TokenCredentials) and creds.token == "tok"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:hunter2@ghe.example/api/v3", "https://***@ghe.example/api/v3"),
        ("https://hunter2@ghe.example:8443/api/v3", "https://***@ghe.example:8443/api/v3"),
        ("https://ghe.example/api/v3?token=hunter2", "https://ghe.example/api/v3"),
        ("https://ghe.example/api/v3#hunter2", "https://ghe.example/api/v3"),
        ("ftp://u:hunter2@ghe.example/", "ftp://***@ghe.example/"),
    ],
)
def test_api_url_credentials_are_refused_and_never_shown(url: str, shown: str) -> None:
    with pytest.raises(GitHubError) as caught:
        check_api_url(url)
    assert "hunter2" not in str(caught.value)
    assert shown in str(caught.value)


def test_a_plain_api_url_passes() -> None:
    assert check_api_url("https://ghe.example/api/v3/") == "https://ghe.example/api/v3"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "the value is empty"),
        (" \n\t", "the value is empty"),
        (
            "x" * (48 * 1024 + 1),
            "the value is 49,153 bytes, over GitHub's limit of 48 KB (49,152 bytes) per secret",
        ),
        # Bytes that are not UTF-8 in an environment variable reach Python as
        # lone surrogates (os.environ decodes with surrogateescape).
        ("secret-\udcff-value", "the value is not valid UTF-8 text"),
    ],
    ids=["empty", "blank", "over-48kb", "not-utf8"],
)
def test_a_secret_value_github_would_refuse_is_never_sent(
    value: str, says: str, emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.clear_requests()
    with pytest.raises(GitHubError) as caught:
        GitHubWriter(conn).put_secret(FULL, None, "DEPLOY_KEY", value)
    assert caught.value.kind == "validation"
    assert str(caught.value) == f"secret DEPLOY_KEY in {FULL}: {says}; not written"
    assert "secret-" not in str(caught.value)
    assert caught.value.__context__ is None
    assert emu.requests == []


def test_a_secret_of_exactly_48_kb_is_written(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    value = "é" * (24 * 1024)  # 49,152 bytes of UTF-8
    assert GitHubWriter(conn).put_secret(FULL, None, "BIG", value).status == 201
    assert emu.secret_value(OWNER, REPO, None, "BIG") == value


# Issue 17, item 4: the credential in use is hidden from every message, whatever
# GitHub (or a proxy) echoes of it, in any letter case; a message is cut only
# once the values are gone.

APP_ID, INSTALLATION = 4343, 88


@pytest.fixture(scope="module")
def app_key() -> tuple[str, str]:
    return app_key_pair()


def _credentials_sent(emu: GitHubEmulator) -> list[str]:
    """Every credential the client sent, recorded as the emulator received it."""
    sent: list[str] = []
    emu.on_request = lambda exchange: sent.append(
        exchange.headers.get("authorization", "").partition(" ")[2]
    )
    return sent


def _assert_hidden(message: str, credentials: list[str]) -> None:
    assert credentials and all(credentials)
    for credential in credentials:
        for i in range(len(credential) - 9):
            assert credential[i : i + 10].lower() not in message.lower(), message
    assert REDACTED in message


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", rf"^/repos/{OWNER}/{REPO}/installation$"),
        ("POST", rf"^/app/installations/{INSTALLATION}/access_tokens$"),
        ("GET", r"/environments$"),
    ],
    ids=["app-jwt-finding-the-installation", "app-jwt-token-exchange", "installation-token"],
)
@pytest.mark.parametrize("status", [403, 422])
def test_an_app_credential_github_echoes_is_hidden(
    method: str, path: str, status: int, emu: GitHubEmulator, app_key: tuple[str, str]
) -> None:
    private, public = app_key
    emu.add_app(APP_ID, public, {OWNER: INSTALLATION}, slug="reconcile-bot")
    sent = _credentials_sent(emu)
    emu.add_fault(
        FaultRule(method, path, status=status, message="echo {credential} / {credential}!")
    )
    env = {"GITHUB_API_URL": emu.url, "GITHUB_APP_ID": str(APP_ID)}
    conn = connection_from_env(
        {**env, "GITHUB_APP_PRIVATE_KEY": private}, OWNER, REPO, transport=FAST_TRANSPORT
    )
    with conn, pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)
    faulted = [c for c, r in zip(sent, emu.requests, strict=True) if r.status == status]
    assert len(faulted) == 1
    _assert_hidden(str(caught.value), faulted)


def test_a_token_echoed_after_280_characters_leaves_none_of_it(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.add_fault(
        FaultRule("GET", r"/environments$", status=403, message="x" * 280 + TOKEN.upper())
    )
    with pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)
    _assert_hidden(str(caught.value), [TOKEN])


def test_a_secret_written_and_echoed_after_280_characters_leaves_none_of_it(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    value = "qz-" + "k" * 31
    emu.add_fault(
        FaultRule("PUT", r"/secrets/DEPLOY_KEY$", times=9, status=500, message="x" * 280 + value)
    )
    with pytest.raises(GitHubError) as caught:
        GitHubWriter(conn).put_secret(FULL, None, "DEPLOY_KEY", value)
    assert str(caught.value).endswith("x" * 9 + REDACTED)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("token ABCDEF123456 used", ("abcdef123456",), f"token {REDACTED} used"),
        ("jwt eyJhbGciOiJSUzI1NiJ9.eyJpYXQiOjE3MDAwfQ.c2ln end", (), f"jwt {REDACTED} end"),
        ("other ghp_" + "A" * 36 + " end", (), f"other {REDACTED} end"),
        ("pat github_pat_" + "b" * 40 + " end", (), f"pat {REDACTED} end"),
    ],
    ids=["any-case", "a-jwt", "a-classic-token", "a-fine-grained-token"],
)
def test_scrub_hides_values_in_any_case_and_credentials_by_shape(
    text: str, values: tuple[str, ...], expected: str
) -> None:
    assert scrub(text, *values) == expected


def test_clip_scrubs_before_it_cuts() -> None:
    value = "secret-value-0123456789"
    assert clip("x" * 10 + value, 20, value) == "x" * 10 + REDACTED[:10]
    assert clip("x" * 10 + value.upper() + "tail", 40, value) == "x" * 10 + REDACTED + "tail"


@pytest.mark.parametrize(
    "url",
    [
        "https:/user:hunter2@ghe.example/api/v3",
        "user:hunter2@ghe.example",
        "hunter2",
        "https://ghe.example/api/v3/user:hunter2@x",
    ],
)
def test_a_malformed_api_url_is_refused_without_its_user_info(url: str) -> None:
    with pytest.raises(GitHubError) as caught:
        check_api_url(url)
    assert caught.value.kind == "config"
    assert "hunter2" not in str(caught.value) and "user:" not in str(caught.value)
