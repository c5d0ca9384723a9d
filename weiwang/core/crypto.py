"""Encryption at rest and blind indexes for sensitive fields (DESIGN.md §5).

Values are encrypted with AES-256-GCM under the first key of settings.FIELD_ENCRYPTION_KEYS and
stored as "<key id>$<base64(nonce + ciphertext)>", so keys can rotate: older keys decrypt until
`manage.py rotate_field_keys` has re-encrypted everything. A blind index is a keyed HMAC of the
normalised value, which allows exact lookup and de-duplication without decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_SEPARATOR = "$"


@cache
def _keyring() -> tuple[str, dict[str, AESGCM]]:
    keys: dict[str, AESGCM] = {}
    current = ""
    for entry in settings.FIELD_ENCRYPTION_KEYS:
        key_id, _, encoded = entry.partition(":")
        try:
            raw = base64.urlsafe_b64decode(encoded)
        except ValueError:
            raise ImproperlyConfigured(f"Field key {key_id!r} is not valid base64.") from None
        if len(raw) != 32 or not key_id or _SEPARATOR in key_id:
            raise ImproperlyConfigured(f"Field key {key_id!r} must be 'id:<32 bytes base64>'.")
        keys[key_id] = AESGCM(raw)
        current = current or key_id
    if not keys:
        raise ImproperlyConfigured("No field encryption key configured (WEIWANG_FIELD_KEYS).")
    return current, keys


def reset_keys() -> None:
    """Forget cached keys (tests and key rotation change settings at run time)."""
    _keyring.cache_clear()
    _blind_key.cache_clear()


def current_key_id() -> str:
    return _keyring()[0]


def encrypt(plaintext: str) -> str:
    key_id, keys = _keyring()
    nonce = os.urandom(12)
    sealed = keys[key_id].encrypt(nonce, plaintext.encode(), key_id.encode())
    return key_id + _SEPARATOR + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    key_id, _, body = token.partition(_SEPARATOR)
    keys = _keyring()[1]
    if key_id not in keys:
        raise ImproperlyConfigured(f"Field key {key_id!r} is no longer configured.")
    raw = base64.b64decode(body)
    return keys[key_id].decrypt(raw[:12], raw[12:], key_id.encode()).decode()


def key_id_of(token: str) -> str:
    return token.partition(_SEPARATOR)[0]


@cache
def _blind_key() -> hmac.HMAC:
    # The keyed state is computed once; copying it is much cheaper than re-keying per value.
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), digestmod=hashlib.sha256)


def blind_index(value: str) -> str:
    """A keyed, deterministic digest of a normalised value for exact lookup."""
    mac = _blind_key().copy()
    mac.update("".join(value.split()).upper().encode())
    return mac.hexdigest()[:32]
