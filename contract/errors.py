"""The contract's errors: something one side sent does not check out on the other."""

from __future__ import annotations


class ContractError(Exception):
    """Root of the contract's errors."""
