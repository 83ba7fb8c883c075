"""Curve25519 sealed boxes, as GitHub uses for Actions secrets.

GitHub, "Create or update a repository secret"
(https://docs.github.com/en/rest/actions/secrets#create-or-update-a-repository-secret):
`encrypted_value` is the value "encrypted with LibSodium using the public key
retrieved from the Get a repository public key endpoint", and its example is
libsodium's `crypto_box_seal`. So the emulator opens what it is sent with the
private half of the key it handed out, the way GitHub must, and checks the
sealed-box layout libsodium documents (https://doc.libsodium.org/public-key_cryptography/sealed_boxes:
an ephemeral 32-byte public key and a 16-byte MAC before the message,
`crypto_box_SEALBYTES` = 48). The client seals in reconciler/github/writer.py;
nothing here is shared with it, and tests/github/test_gh_recorded.py checks the
client's boxes against a key recorded from real GitHub, without the emulator.
docs/emulator-fidelity.md, "Secrets: sealed boxes".
"""

from __future__ import annotations

import base64
import binascii
import secrets

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

# libsodium's crypto_box_SEALBYTES: ephemeral public key (32) + MAC (16).
SEAL_OVERHEAD = 48


class KeyPair:
    """One repository's or environment's secrets key; the private half never leaves memory."""

    def __init__(self) -> None:
        self._private = PrivateKey.generate()
        # GitHub key ids are long decimal strings; random ones make stale ids detectable.
        self.key_id = str(secrets.randbelow(10**19 - 10**18) + 10**18)

    def __deepcopy__(self, memo: dict[int, object]) -> KeyPair:
        # Never changed once made: a copy of the world keeps using the same key,
        # so what was sealed for it still opens.
        return self

    @property
    def public_b64(self) -> str:
        return base64.b64encode(bytes(self._private.public_key)).decode("ascii")

    def open(self, ciphertext_b64: str) -> str | None:
        """The plaintext, or None when the value is not a sealed box for this key."""
        try:
            raw = base64.b64decode(ciphertext_b64, validate=True)
            if len(raw) < SEAL_OVERHEAD:
                return None
            return SealedBox(self._private).decrypt(raw).decode("utf-8")
        except (binascii.Error, ValueError, CryptoError, UnicodeDecodeError):
            return None


def seal(public_key_b64: str, plaintext: str) -> str:
    """Encrypt like a GitHub client does (for tests and seeding through HTTP)."""
    box = SealedBox(PublicKey(base64.b64decode(public_key_b64)))
    return base64.b64encode(box.encrypt(plaintext.encode("utf-8"))).decode("ascii")
