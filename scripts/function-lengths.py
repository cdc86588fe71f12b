#!/usr/bin/env python3
"""Lists every C++ function body longer than a limit (TIGER_STYLE: 70 lines) in the given
folders; exits 1 when there is one. A function is a line that opens a brace block after a
parameter list ending in ')' (plus qualifiers), at any indentation, outside another function;
its length counts the lines from that line to the matching brace. Lambdas and blocks inside a
function count toward the function that holds them."""
import re
import sys
from pathlib import Path

LIMIT = 70
HEAD = re.compile(r"\)\s*(const|override|noexcept|final|mutable|->\s*[\w:<>,\s*&]+|\s)*\{\s*(//.*)?$")
NOT_FUNCTION = re.compile(r"^\s*(if|for|while|switch|catch|else|do|namespace|struct|class|enum|union)\b|=\s*\[|\[\s*[&=]?\s*\]")


def strip(line):
    """The line without string and char literals and comments (so braces inside them do not count)."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//")[0]


def long_functions(path, limit):
    lines = path.read_text(errors="replace").splitlines()
    found, depth, start, name, in_comment = [], 0, None, None, False
    for i, raw in enumerate(lines):
        line = strip(raw)
        if in_comment:
            if "*/" not in line:
                continue
            line, in_comment = line.split("*/", 1)[1], False
        if "/*" in line and "*/" not in line:
            line, in_comment = line.split("/*", 1)[0], True
        if start is None and HEAD.search(line) and not NOT_FUNCTION.search(line):
            # The head may span lines: find where its signature begins.
            j = i
            while j > 0 and "(" not in strip(lines[j]) and j > i - 6:
                j -= 1
            start, name, depth = j, strip(lines[j]).strip(), 0
        if start is not None:
            depth += line.count("{") - line.count("}")
            if depth <= 0:
                length = i - start + 1
                if length > limit:
                    found.append((length, start + 1, name))
                start = None
    return found


def main():
    folders = sys.argv[1:] or ["src", "server", "cli", "wasm", "bench"]
    worst = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix in (".cpp", ".hpp"):
                worst += [(n, f"{path}:{line}", sig) for n, line, sig in long_functions(path, LIMIT)]
    for n, where, sig in sorted(worst, reverse=True):
        print(f"{n:4d} lines  {where}  {sig[:90]}")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
