"""SIP extension passwords: generate strong ones, refuse weak ones.

A phone's SIP password is typed in by hand (on the phone's keypad or its web page), so
generated passwords use an alphabet without look-alikes (no 0/O/o, 1/l/I): 16
characters from 56 symbols are about 93 bits, far beyond what online guessing reaches
(and the registrar locks out sources that keep failing, see settings sip_lockout_*).
"""
from __future__ import annotations

import secrets
import string

from firmware.config.errors import ConfigError

#: Letters and digits a person reads back without confusion.
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0Oo1lI")
GENERATED_LENGTH = 16           #: characters in a generated password
MIN_LENGTH = 8                  #: characters at least in a password given by the installer
MAX_LENGTH = 64

#: Passwords refused whatever their length (compared case-insensitively); scanners try
#: these first.
OBVIOUS = frozenset({
    "12345678", "123456789", "1234567890", "87654321", "11223344", "12341234", "00000000",
    "password", "password1", "password123", "passw0rd", "qwertyui", "qwerty123", "qwertyuiop",
    "abcd1234", "abc12345", "abcdefgh", "iloveyou", "letmein1", "welcome1", "changeme",
    "admin123", "administrator", "sipsecret", "secret123", "hotline", "hotline1", "voip1234",
})


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A fresh random password of ``length`` characters from :data:`ALPHABET`
    (``secrets`` module: cryptographically strong, different every call)."""
    if length < GENERATED_LENGTH:
        raise ValueError(f"a generated password needs at least {GENERATED_LENGTH} characters")
    while True:
        pw = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if len(set(pw)) > 3:                  # never a degenerate string like "aaaa...a"
            return pw


def check_password(field: str, password: object, number: str = "") -> str:
    """``password`` if it is acceptable as the SIP password of extension ``number``,
    else :class:`ConfigError` naming ``field`` and saying what is wrong."""
    if isinstance(password, int) and not isinstance(password, bool):
        password = str(password)
    if not isinstance(password, str):
        raise ConfigError(field, f"{password!r} is not text")
    if len(password) < MIN_LENGTH:
        raise ConfigError(field, f"is {len(password)} characters long; a SIP password needs at least "
                                 f"{MIN_LENGTH} (leave it empty to get a strong generated one)")
    if len(password) > MAX_LENGTH:
        raise ConfigError(field, f"is {len(password)} characters long (at most {MAX_LENGTH})")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in password):
        raise ConfigError(field, "must not contain spaces or control characters")
    if any(c in '"\\' for c in password):
        raise ConfigError(field, 'must not contain " or \\ (many phones cannot store them)')
    if number and password == number:
        raise ConfigError(field, f"must not be the extension number {number}")
    if number and (number * (len(password) // len(number) + 1)).startswith(password):
        raise ConfigError(field, f"must not be the extension number {number} repeated")
    if password.lower() in OBVIOUS:
        raise ConfigError(field, "is one of the first passwords attackers try; choose another "
                                 "(leave it empty to get a strong generated one)")
    if len(set(password)) == 1:
        raise ConfigError(field, "must not be one character repeated")
    return password


# --------------------------------------------------------------------------- web logins
# Web UI accounts are hashed with argon2id (argon2-cffi's defaults: RFC 9106 low-memory
# profile); the hash string carries its own parameters and salt.

def hash_login_password(password: str) -> str:
    """The argon2id hash string of a web login password."""
    from argon2 import PasswordHasher
    return PasswordHasher().hash(password)


def verify_login_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash`` (False for any malformed hash)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import Argon2Error
    if not stored_hash:
        return False
    try:
        return PasswordHasher().verify(stored_hash, password)
    except (Argon2Error, ValueError):
        return False


LOGIN_MIN_LENGTH = 8            #: characters at least in a web login password


def check_login_password(field: str, password: object, username: str = "") -> str:
    """``password`` if it is acceptable for the web login ``username``, else ConfigError."""
    if not isinstance(password, str):
        raise ConfigError(field, "is not text")
    if len(password) < LOGIN_MIN_LENGTH:
        raise ConfigError(field, f"is {len(password)} characters long; a login password needs at least "
                                 f"{LOGIN_MIN_LENGTH}")
    if len(password) > 128:
        raise ConfigError(field, f"is {len(password)} characters long (at most 128)")
    if username and password.lower() in (username.lower(), username.lower() * 2):
        raise ConfigError(field, "must not be the user name")
    if password.lower() in OBVIOUS or password.lower() in ("admin", "adminadmin", "admin1234"):
        raise ConfigError(field, "is one of the first passwords attackers try; choose another")
    if len(set(password)) < 4:
        raise ConfigError(field, "needs at least 4 different characters")
    return password
