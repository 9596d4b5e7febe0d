"""The platform's errors: what it cannot do, said to the caller as an HTTP answer or a CLI
exit code (never a traceback)."""

from __future__ import annotations


class CentralError(Exception):
    """The platform cannot do what was asked."""


class RegistrationRefused(CentralError):
    """Unknown, used or expired one-time code, or a malformed key."""


class BundleRefused(CentralError):
    """A bundle not signed by a registered terminal, or not sealed to this platform."""


class ReplayedRequest(CentralError):
    """A signed request whose nonce was already seen."""


class DowngradeRefused(CentralError):
    """The platform never migrates its database down: a backup is restored instead."""
