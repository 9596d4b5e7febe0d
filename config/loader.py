"""Turn TOML tables into frozen, typed settings.

The schema is the dataclasses in `config.settings`; this module only knows how to check a
value against a field's type and how to layer a terminal file over the defaults key by key.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from config.errors import ConfigError

T = TypeVar("T")


# Keys an earlier release had, and where their setting lives now: a terminal file written for
# that release gets the way forward, not only the list of keys.
MOVED = {
    "ui.idle_timeout_s": "It moved: each step has its own limit in [flow] (read_card_s, "
    "confirm_identity_s, consent_s, face_capture_s, result_s, ...); see config/default.toml.",
    "ui.more_time_answer_s": "It moved to [flow] more_time_answer_s.",
}


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(path, "", "the file does not exist", "Check the --config path.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"is not valid TOML ({exc})", "Fix the syntax there.") from None


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Key-by-key overlay: tables merge, everything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build(cls: type[T], table: dict[str, Any], file: Path | None, prefix: str = "") -> T:
    """Build dataclass `cls` from `table`, rejecting unknown keys and wrong types."""
    hints = typing.get_type_hints(cls)
    fields = {
        f.name: f
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if not f.metadata.get("internal")
    }
    for key in table:
        if key not in fields:
            path = _join(prefix, key)
            allowed = ", ".join(sorted(fields))
            hint = MOVED.get(path, f"Allowed keys here: {allowed}.")
            raise ConfigError(file, path, "is not a known setting", hint)
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name in table:
            key = _join(prefix, name)
            values[name] = _convert(hints[name], table[name], file, key)
            _check_range(spec, values[name], file, key)
    built = cls(**values)
    # Checks across keys, for the sections that have any: (key, problem, fix).
    problems: list[tuple[str, str, str]] = getattr(built, "problems", list)()
    if problems:
        key, problem, fix = problems[0]
        raise ConfigError(file, _join(prefix, key), problem, fix)
    return built


def _check_range(field: dataclasses.Field[Any], value: Any, file: Path | None, key: str) -> None:
    low, high = field.metadata.get("min"), field.metadata.get("max")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and ((low is not None and value < low) or (high is not None and value > high)):
        raise ConfigError(
            file, key, f"{value!r} is out of range", f"Use a value from {low} to {high}."
        )


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _convert(tp: Any, value: Any, file: Path | None, key: str) -> Any:
    origin = get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(file, key, "must be a table", f"Write it as [{key}].")
        return build(tp, value, file, key)  # type: ignore[arg-type]
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            shown = ", ".join(repr(c) for c in choices)
            raise ConfigError(file, key, f"{value!r} is not one of the choices", f"Use {shown}.")
        return value
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if value == "" and type(None) in get_args(tp):
            return None
        return _convert(options[0], value, file, key)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(file, key, "must be a list", "Write it as [..., ...].")
        item_type = get_args(tp)[0]
        return tuple(_convert(item_type, v, file, f"{key}[{i}]") for i, v in enumerate(value))
    return _scalar(tp, value, file, key)


def _scalar(tp: Any, value: Any, file: Path | None, key: str) -> Any:
    expected = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    if tp is Path and isinstance(value, str):
        return Path(value)
    want = "a path in quotes" if tp is Path else expected.get(tp, str(tp))
    raise ConfigError(file, key, f"{value!r} has the wrong type", f"It must be {want}.")
