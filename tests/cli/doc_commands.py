"""Run the commands of a Markdown document and check what they print.

Used by tests/cli/lab_doc.sh (docs/lab.md) and tests/cli/docs_formats.sh
(docs/formats.md), so that every command a student copies from the docs
is known to work on the bundled sample.

Conventions, stated in the documents themselves:

  ```sh blocks     are run, line by line, in one working directory (a line
                   ending in a backslash continues on the next).  Comment
                   lines under a command say what it must do:
                       # -> TEXT     its output (stdout and stderr) contains TEXT
                       # exit N      it exits with status N (default 0)
                   other comment lines are prose.
  ```text blocks   right after a ```sh block are output excerpts: every
                   line of them (except "..." lines) must be a line of that
                   block's output (trailing spaces ignored).
  other blocks     (```shell for downloads, plain ``` for syntax) are
                   shown, not run.

A mapping table between the HTML comments <!-- doc-map:begin --> and
<!-- doc-map:end --> (rows | `real name` | `stand-in` |) replaces file
names before a command runs: the lab's commands name the real Gemma 4 E2B
files, the test runs them on the sample.

Usage: doc_commands.py DOC WORKDIR [--min-commands N]
(the programs are found on PATH).
"""
import os
import re
import subprocess
import sys

FENCE = re.compile(r"^(`{3,})\s*([A-Za-z0-9_-]*)\s*$")


def blocks(text):
    """[(info, [lines], first_line_number)] of the fenced blocks."""
    out, cur, fence, start = [], None, None, 0
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if cur is None:
            if m:
                fence, cur, start, info = m.group(1), [], n, m.group(2)
                cur_info = info
        else:
            if m and m.group(1) == fence and not m.group(2):
                out.append((cur_info, cur, start))
                cur = None
            else:
                cur.append(line)
    if cur is not None:
        raise SystemExit(f"unterminated code block at line {start}")
    return out


def mapping(text):
    m = re.search(r"<!-- doc-map:begin -->(.*?)<!-- doc-map:end -->", text, re.S)
    pairs = []
    if m:
        for row in m.group(1).splitlines():
            cells = re.findall(r"`([^`]+)`", row)
            if len(cells) >= 2 and row.lstrip().startswith("|"):
                pairs.append((cells[0], cells[1]))
    # Longest first: a name that contains another is replaced whole.
    return sorted(pairs, key=lambda p: -len(p[0]))


def commands(lines, start):
    """[(command, [expected texts], exit status, line number)] of an sh block."""
    out, pending, pending_line = [], "", 0
    for i, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip()
        if pending:
            pending += "\n" + line
            if not line.endswith("\\"):
                out.append([pending, [], 0, pending_line])
                pending = ""
            continue
        if not stripped:
            continue
        if stripped.startswith("#"):
            body = stripped[1:].strip()
            if body.startswith("->"):
                if not out:
                    raise SystemExit(f"line {start + i + 1}: '# ->' before any command")
                out[-1][1].append(body[2:].strip())
            elif re.fullmatch(r"exit \d+", body):
                if not out:
                    raise SystemExit(f"line {start + i + 1}: '# exit' before any command")
                out[-1][2] = int(body.split()[1])
            continue
        if line.endswith("\\"):
            pending, pending_line = line, start + i + 1
        else:
            out.append([line, [], 0, start + i + 1])
    return out


def main():
    args = sys.argv[1:]
    min_commands = 1
    if "--min-commands" in args:
        k = args.index("--min-commands")
        min_commands = int(args[k + 1])
        del args[k:k + 2]
    doc, workdir = args
    text = open(doc, encoding="utf-8").read()
    names = mapping(text)
    all_blocks = blocks(text)
    failures, ran = 0, 0
    for bi, (info, lines, start) in enumerate(all_blocks):
        if info != "sh":
            continue
        cmds = commands(lines, start)
        if not cmds:
            print(f"FAIL: {doc}:{start}: an sh block without a command")
            failures += 1
            continue
        block_output = []
        for cmd, expects, status, line_no in cmds:
            real = cmd
            for a, b in names:
                real = real.replace(a, b)
            print(f"$ {real}" if real == cmd else f"$ {real}    (doc: {cmd})")
            try:
                p = subprocess.run(["bash", "-c", real], cwd=workdir, capture_output=True, text=True,
                                   timeout=300, errors="replace")
            except subprocess.TimeoutExpired:
                print(f"FAIL: {doc}:{line_no}: timed out")
                failures += 1
                continue
            ran += 1
            output = p.stdout + p.stderr
            block_output.append(p.stdout)
            if p.returncode != status:
                print(f"FAIL: {doc}:{line_no}: exit status {p.returncode}, the doc says {status}")
                print("\n".join("    " + l for l in output.splitlines()[-15:]))
                failures += 1
            for e in expects:
                if e not in output:
                    print(f"FAIL: {doc}:{line_no}: output lacks '{e}'")
                    print("\n".join("    " + l for l in output.splitlines()[:20]))
                    failures += 1
        # An excerpt right after the block: its lines must all be printed.
        if bi + 1 < len(all_blocks) and all_blocks[bi + 1][0] == "text":
            _, excerpt, ex_start = all_blocks[bi + 1]
            between = text.splitlines()[start + len(lines) + 1:ex_start - 1]
            if all(not l.strip() for l in between):
                printed = {l.rstrip() for out in block_output for l in out.splitlines()}
                for k, l in enumerate(excerpt):
                    if l.strip() and l.strip() != "..." and l.rstrip() not in printed:
                        print(f"FAIL: {doc}:{ex_start + k + 1}: excerpt line not in the output: {l.rstrip()!r}")
                        failures += 1
    print(f"{doc}: {ran} commands run, {failures} failure(s)")
    if ran < min_commands:
        print(f"FAIL: {doc}: only {ran} commands, expected at least {min_commands}")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
