"""Configuration errors: always name the file, the key path and what is allowed."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A configuration file that cannot be used as it is."""

    def __init__(self, file: Path | str | None, key: str, problem: str, fix: str) -> None:
        self.file = str(file) if file is not None else "<defaults>"
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.problem}. {self.fix}"
