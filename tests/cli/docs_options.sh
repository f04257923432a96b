#!/usr/bin/env bash
# docs/cli.md documents every option of every program, and nothing else:
#   - each option a program's --help lists (long and short form) appears in
#     that program's section of docs/cli.md;
#   - each option named in the first column of a section's option table is
#     one the program's --help lists (no stale documentation);
#   - the man pages the build wrote ($GQ_BIN_DIR/man) are what --help-man
#     prints now and list every option of --help.
# The options come from the programs themselves (--help), the documentation
# from the file: the test fails when either changes without the other.
set -u
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}"
doc="$GQ_SOURCE_DIR/docs/cli.md"
[ -f "$doc" ] || { echo "FAIL: missing $doc"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The text of "## <prog>" up to the next "## " heading.
section() { awk -v h="## $1" '$0 == h { on = 1; next } on && /^## / { exit } on' "$doc"; }

# Options --help lists: lines "  -o, --output FILE  ..." or "      --json  ...".
help_options() { "$GQ_BIN_DIR/$1" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | sed 's/^ *//'; }

for prog in gq-inspect gq-quantize gq-compare gq-sample gq-bench; do
  [ -x "$GQ_BIN_DIR/$prog" ] || { fail "$prog is not built"; continue; }
  section "$prog" >"$tmp/$prog.md"
  [ -s "$tmp/$prog.md" ] || { fail "docs/cli.md has no '## $prog' section"; continue; }
  help_options "$prog" >"$tmp/$prog.opts"
  [ "$(wc -l <"$tmp/$prog.opts")" -ge 5 ] || fail "$prog --help lists fewer than 5 options (parse error?)"
  n=0
  while read -r line; do
    long=$(echo "$line" | grep -oE -- '--[a-z0-9-]+')
    case "$long" in --help | --version) continue ;; esac
    n=$((n + 1))
    grep -qE -- "\`$long([ =\`]|$)" "$tmp/$prog.md" || fail "$prog: $long is not documented in docs/cli.md"
    short=$(echo "$line" | grep -oE -- '^-[a-zA-Z]' || true)
    if [ -n "$short" ]; then
      grep -qE -- "\`$short([ \`]|$)" "$tmp/$prog.md" || fail "$prog: $short ($long) is not documented in docs/cli.md"
    fi
  done <"$tmp/$prog.opts"
  # Options in the first column of the section's tables must exist.
  grep -E '^\| *`-' "$tmp/$prog.md" | cut -d'|' -f2 | grep -oE -- '--[a-z0-9-]+' | sort -u >"$tmp/$prog.documented"
  while read -r opt; do
    case "$opt" in --help | --version) continue ;; esac
    grep -qE -- "(^|, )$opt\$" "$tmp/$prog.opts" || fail "$prog: docs/cli.md documents $opt, which --help does not list"
  done <"$tmp/$prog.documented"
  echo "$prog: $n options checked, $(wc -l <"$tmp/$prog.documented") documented in tables"
done

echo "== man pages"
for prog in gq-inspect gq-quantize gq-compare gq-sample; do
  page="$GQ_BIN_DIR/man/$prog.1"
  [ -s "$page" ] || { fail "the build did not write man/$prog.1"; continue; }
  "$GQ_BIN_DIR/$prog" --help-man >"$tmp/$prog.1" || fail "$prog --help-man exit status $?"
  cmp -s "$page" "$tmp/$prog.1" || fail "man/$prog.1 is not what $prog --help-man prints (stale build?)"
  while read -r line; do
    long=$(echo "$line" | grep -oE -- '--[a-z0-9-]+')
    grep -qF -- "$(echo "$long" | sed 's/-/\\-/g')" "$page" || fail "man/$prog.1 lacks $long"
  done < <(help_options "$prog")
done

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "docs/cli.md and the man pages document exactly the options the programs take"
