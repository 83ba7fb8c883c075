"""The emulator's rules that the client also has a version of, each checked
against GitHub's own text (cited in reconciler/sandbox/github/methods.py,
names.py, crypto.py and docs/emulator-fidelity.md), not against the client."""

from __future__ import annotations

import base64

import pytest

from reconciler.sandbox.github import GitHubEmulator
from reconciler.sandbox.github.crypto import KeyPair, seal
from reconciler.sandbox.github.http import ApiError
from reconciler.sandbox.github.methods import changes_state, points
from reconciler.sandbox.github.names import check_name
from reconciler.sandbox.github.ratelimit import SecondaryLimit

from .conftest import OWNER, REPO, Api

R = f"/repos/{OWNER}/{REPO}"


@pytest.mark.parametrize(
    ("method", "cost", "writes"),
    [
        ("GET", 1, False),
        ("HEAD", 1, False),
        ("OPTIONS", 1, False),
        ("POST", 5, True),
        ("PATCH", 5, True),
        ("PUT", 5, True),
        ("DELETE", 5, True),
    ],
)
def test_points_per_method_are_githubs_sentence(method: str, cost: int, writes: bool) -> None:
    # GitHub's table: "Most REST API GET, HEAD, and OPTIONS requests" 1 point,
    # "Most REST API POST, PATCH, PUT, or DELETE requests" 5.
    assert points(method) == cost
    assert changes_state(method) is writes


def test_the_secondary_window_charges_options_and_head_one_point() -> None:
    limit = SecondaryLimit(points_per_window=7, window_seconds=60.0, max_concurrent=100)
    for method in ("OPTIONS", "HEAD", "PUT"):  # 1 + 1 + 5 = 7: full
        limit.acquire(method, "rid")
        limit.release()
    with pytest.raises(ApiError) as refused:
        limit.acquire("OPTIONS", "rid")
    assert refused.value.status == 403
    assert 59 <= int(refused.value.headers["retry-after"]) <= 60


def test_an_options_request_is_logged_as_a_read(emu: GitHubEmulator, api: Api) -> None:
    api("OPTIONS", f"{R}/environments")
    api("DELETE", f"{R}/environments/none")
    assert [(a.method, a.is_write) for a in emu.arrivals] == [
        ("OPTIONS", False),
        ("DELETE", True),
    ]
    assert [(r.method, r.is_write) for r in emu.requests] == [
        ("OPTIONS", False),
        ("DELETE", True),
    ]


@pytest.mark.parametrize(
    ("name", "stored"),
    [("deploy_key", "DEPLOY_KEY"), ("_x1", "_X1"), ("A", "A"), ("MyGITHUB_X", "MYGITHUB_X")],
)
def test_names_github_accepts_are_stored_upper_case(name: str, stored: str) -> None:
    assert check_name(name, "Secret") == stored


@pytest.mark.parametrize(
    "name",
    [
        "",
        "1ST",
        "HAS SPACE",
        "DASH-ED",
        "CAFÉ",
        "\uff21\uff22\uff23",
        "github_token",
        "GITHUB_X",
        None,
    ],
)
def test_names_github_refuses(name: object) -> None:
    with pytest.raises(ApiError) as refused:
        check_name(name, "Secret")
    assert refused.value.status == 422


def test_a_sealed_box_opens_only_with_its_key_and_libsodiums_layout() -> None:
    pair, other = KeyPair(), KeyPair()
    sealed = seal(pair.public_b64, "s3cr3t")
    # crypto_box_SEALBYTES: 48 bytes of ephemeral key and MAC before the message.
    assert len(base64.b64decode(sealed)) == 48 + len(b"s3cr3t")
    assert pair.open(sealed) == "s3cr3t"
    assert other.open(sealed) is None
    assert pair.open(base64.b64encode(b"\x00" * 47).decode()) is None
    assert pair.open("not base64!") is None
