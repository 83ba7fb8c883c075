"""Curve25519 sealed boxes, as GitHub uses for Actions secrets."""

from __future__ import annotations

import base64
import binascii
import secrets

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox


class KeyPair:
    """One repository's or environment's secrets key; the private half never leaves memory."""

    def __init__(self) -> None:
        self._private = PrivateKey.generate()
        # GitHub key ids are long decimal strings; random ones make stale ids detectable.
        self.key_id = str(secrets.randbelow(10**19 - 10**18) + 10**18)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(bytes(self._private.public_key)).decode("ascii")

    def open(self, ciphertext_b64: str) -> str | None:
        """The plaintext, or None when the value is not a sealed box for this key."""
        try:
            raw = base64.b64decode(ciphertext_b64, validate=True)
            return SealedBox(self._private).decrypt(raw).decode("utf-8")
        except (binascii.Error, ValueError, CryptoError, UnicodeDecodeError):
            return None


def seal(public_key_b64: str, plaintext: str) -> str:
    """Encrypt like a GitHub client does (for tests and seeding through HTTP)."""
    box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))
    return base64.b64encode(box.encrypt(plaintext.encode("utf-8"))).decode("ascii")
