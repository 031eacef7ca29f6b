"""Offline checks of infra/ that the Bicep compiler would otherwise make.

Run with the checks venv (pycep-parser lives there, not in the app's .venv):

    .venv-infra/bin/python infra/check_bicep.py [infra-dir]

1. Every .bicep file under infra/ parses (pycep-parser).
2. Every module reference is a local path that resolves to a .bicep file inside
   infra/ (no registry or template-spec modules: the whole deployment stays
   readable and scannable offline).
3. Every module call passes only parameters the module declares, and every
   parameter the module declares without a default.
4. Every `<module>.outputs.<name>` used in a file is an output of that module.
5. Every loadJsonContent/loadTextContent/loadYamlContent file exists.

Prints one line per problem and exits 1 if there is any.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from pycep import BicepParser

LOAD_RE = re.compile(r"load(?:Json|Text|Yaml)Content\(\s*'([^']+)'")
OUTPUT_RE = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)")


def _strip_comments(text: str) -> str:
    """Drop // line comments that are not inside a string literal."""
    lines = []
    for line in text.splitlines():
        in_string = False
        cut = len(line)
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "'":
                in_string = not in_string
            elif ch == "\\" and in_string:
                i += 1
            elif not in_string and line.startswith("//", i):
                cut = i
                break
            i += 1
        lines.append(line[:cut])
    return "\n".join(lines)


def _module_body(config: dict[str, Any]) -> dict[str, Any]:
    """The `{ name, scope, params }` object, under any `if (...)` or `[for ...]` wrapper."""
    while "params" not in config and isinstance(config.get("config"), dict):
        config = config["config"]
    return config


def check(infra_dir: Path) -> list[str]:
    problems: list[str] = []
    parser = BicepParser()
    files = sorted(infra_dir.rglob("*.bicep"))
    if not files:
        return [f"{infra_dir}: no .bicep files found"]

    parsed: dict[Path, dict[str, Any]] = {}
    for path in files:
        try:
            parsed[path.resolve()] = parser.parse(file_path=path)
        except Exception as exc:  # pycep raises lark errors and ValueError
            first_line = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            problems.append(f"{path}: does not parse: {first_line}")

    root = infra_dir.resolve()
    for path in files:
        doc = parsed.get(path.resolve())
        if doc is None:
            continue
        text = _strip_comments(path.read_text(encoding="utf-8"))

        for ref in LOAD_RE.findall(text):
            if not (path.parent / ref).is_file():
                problems.append(f"{path}: loaded file {ref!r} does not exist")

        modules: dict[str, dict[str, Any]] = doc.get("modules") or {}
        for symbol, module in modules.items():
            kind = module.get("type")
            detail = module.get("detail") or {}
            if kind != "local":
                problems.append(
                    f"{path}: module {symbol!r} is a {kind} reference; keep modules local"
                )
                continue
            target = (path.parent / detail.get("path", "")).resolve()
            if not target.is_relative_to(root):
                problems.append(f"{path}: module {symbol!r} points outside infra/: {detail}")
                continue
            if target.suffix != ".bicep" or not target.is_file():
                problems.append(f"{path}: module {symbol!r} does not resolve: {detail.get('path')}")
                continue
            target_doc = parsed.get(target)
            if target_doc is None:
                continue  # its parse error is already reported

            declared = target_doc.get("parameters") or {}
            config = _module_body(module.get("config") or {})
            given = config.get("params") or {}
            if not isinstance(given, dict):
                given = {}
            for name in given:
                if name not in declared:
                    problems.append(
                        f"{path}: module {symbol!r} passes {name!r}, "
                        f"which {target.name} does not declare"
                    )
            for name, spec in declared.items():
                if spec.get("default") is None and name not in given:
                    problems.append(
                        f"{path}: module {symbol!r} does not pass required parameter "
                        f"{name!r} of {target.name}"
                    )

            outputs = target_doc.get("outputs") or {}
            for used_symbol, output in OUTPUT_RE.findall(text):
                if used_symbol == symbol and output not in outputs:
                    problems.append(
                        f"{path}: {symbol}.outputs.{output} is not an output of {target.name}"
                    )
    return list(dict.fromkeys(problems))


def main(argv: list[str]) -> int:
    infra_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    problems = check(infra_dir)
    for problem in problems:
        print(problem)
    count = len(list(infra_dir.rglob("*.bicep")))
    if problems:
        print(f"check_bicep: {len(problems)} problem(s) in {count} Bicep file(s)")
        return 1
    print(f"check_bicep: {count} Bicep file(s) parse; every module reference resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
