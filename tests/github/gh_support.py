"""Shared constants and helpers of the GitHub adapter tests (imported by name:
tests/github is not a package, so that it cannot shadow PyGithub's `github`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reconciler.github import GitHubConnection, PacerConfig, RetryPolicy, TransportSettings
from reconciler.sandbox.github import GitHubEmulator

OWNER, REPO = "acme", "web"
# Generated per run: no credential-shaped literal lives in the repository.
TOKEN = "test-token-" + secrets.token_hex(12)
FULL = f"{OWNER}/{REPO}"

# Tiny waits so retry tests take milliseconds.
FAST_RETRY = RetryPolicy(tries=5, backoff=0.01, jitter=0.5, max_wait=2.0, secondary_wait=0.01)
# What the adapter tests connect with: unpaced (the pacer's own tests pass a Pacer).
FAST_TRANSPORT = TransportSettings(PacerConfig.unpaced(), FAST_RETRY)

ConnFactory = Callable[..., GitHubConnection]


def user_id(emu: GitHubEmulator, login: str) -> int:
    return emu.add_user(login)  # returns the existing id for a known login


def team_id(emu: GitHubEmulator, slug: str, members: tuple[str, ...] = ()) -> int:
    return emu.add_team(OWNER, slug, members)


def app_key_pair() -> tuple[str, str]:
    """A fresh GitHub App key: (private PEM for reconcile, public PEM for the emulator)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public
