"""Find the resident-facing source strings and keep the `.ts` translation files in step. No Qt.

pyside6-lupdate cannot be used here: the screens call a free function `tr(text)` (context
"kiosk"), which lupdate files under an empty context, and many texts live in tables
(`screens/texts.py`) and reach `tr()` through a variable, which lupdate never sees. So the
sources are read with `ast`:

- every string literal with Chinese in it that appears inside a `tr(...)` call in `screens/`
  (including defaults such as `tr(TABLE.get(key, "默认"))`);
- every string literal with Chinese in it in a module-level table or constant of a file in
  `screens/` (`screens/texts.py` and the like: they reach `tr()` through a variable).

An f-string inside `tr()` cannot be translated (the text is only known at run time) and is
reported as an error.
"""

from __future__ import annotations

import ast
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import KioskError

CONTEXT = "kiosk"
SOURCE_LANGUAGE = "zh_CN"
I18N_DIR = Path(__file__).resolve().parent
REPO = I18N_DIR.parent.parent
SCREENS = REPO / "screens"
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class I18nError(KioskError):
    """A source string cannot be extracted, or a translation file is broken."""


@dataclass(frozen=True, order=True)
class Source:
    text: str
    filename: str  # relative to the repository
    line: int


def _han_literals(node: ast.AST) -> list[tuple[str, int]]:
    """(text, line) of every string literal with Chinese in it under `node`."""
    return [
        (n.value, n.lineno)
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and HAN.search(n.value)
    ]


def _is_tr_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "tr") or (
        isinstance(func, ast.Attribute) and func.attr == "tr"
    )


def scan_file(path: Path, *, tables: bool = False) -> list[Source]:
    """The translatable strings of one file (with `tables`, also its module-level constants)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = Path(os.path.relpath(path.resolve(), REPO)).as_posix()
    found: list[Source] = []
    for node in ast.walk(tree):
        if not _is_tr_call(node):
            continue
        assert isinstance(node, ast.Call)
        for arg in node.args[:1]:
            if any(isinstance(n, ast.JoinedStr) for n in ast.walk(arg)):
                raise I18nError(f"{rel}:{node.lineno}: f-string inside tr() cannot be translated")
            found += [Source(text, rel, line) for text, line in _han_literals(arg)]
    if tables:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                found += [Source(text, rel, line) for text, line in _han_literals(stmt.value)]
    return found


def scan(screens: Path = SCREENS) -> dict[str, Source]:
    """Every translatable source string under `screens`, first occurrence kept."""
    out: dict[str, Source] = {}
    for path in sorted(screens.rglob("*.py")):
        for source in scan_file(path, tables=True):
            out.setdefault(source.text, source)
    return out


# -- .ts files ---------------------------------------------------------------------------------
@dataclass
class Message:
    source: str
    translation: str = ""
    finished: bool = False
    vanished: bool = False


def _parse(path: Path) -> ET.Element:
    # Our own translation files, shipped with the code: not untrusted input.
    return ET.parse(path).getroot()  # noqa: S314


def read_ts(path: Path) -> dict[str, Message]:
    try:
        root = _parse(path)
    except (OSError, ET.ParseError) as exc:
        raise I18nError(f"{path}: {exc}") from exc
    out: dict[str, Message] = {}
    for context in root.iter("context"):
        if context.findtext("name") != CONTEXT:
            continue
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            element = message.find("translation")
            kind = element.get("type", "") if element is not None else "unfinished"
            text = (element.text or "") if element is not None else ""
            out[source] = Message(
                source, text, finished=kind == "", vanished=kind in {"vanished", "obsolete"}
            )
    return out


def ts_language(path: Path) -> str:
    return _parse(path).get("language", "")


def write_ts(
    path: Path, language: str, sources: dict[str, Source], old: dict[str, Message]
) -> None:
    """Write `path` with every source string; keep known translations, mark new ones unfinished
    and ones no longer in the sources vanished (kept for a translator, not compiled)."""
    root = ET.Element(
        "TS", {"version": "2.1", "language": language, "sourcelanguage": SOURCE_LANGUAGE}
    )
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for text, source in sorted(sources.items(), key=lambda kv: (kv[1].filename, kv[1].line)):
        message = ET.SubElement(context, "message")
        target = (REPO / source.filename).resolve()
        location = Path(os.path.relpath(target, path.resolve().parent)).as_posix()
        ET.SubElement(message, "location", {"filename": location, "line": str(source.line)})
        ET.SubElement(message, "source").text = text
        known = old.get(text)
        element = ET.SubElement(message, "translation")
        if known is not None and known.translation:
            element.text = known.translation
            if not known.finished or known.vanished:
                element.set("type", "unfinished")
        else:
            element.set("type", "unfinished")
    for text, known in sorted(old.items()):
        if text in sources or not known.translation:
            continue
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = text
        ET.SubElement(message, "translation", {"type": "vanished"}).text = known.translation
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n{body}\n', encoding="utf-8"
    )
