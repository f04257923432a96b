"""Read the steps of .github/workflows/parity.yml without a YAML library.

The workflow is ours and kept in a fixed shape (job env as "key: value"
lines, steps with name/id/run, run blocks as "run: |" literals), so this
reads exactly that shape and fails loudly on anything else rather than
guess.  Used by tests/cli/docs_ci_parity.sh to run the job's steps.

Usage: ci_workflow.py FILE env            -> KEY=VALUE lines of the job env
       ci_workflow.py FILE ids            -> the step ids, in order
       ci_workflow.py FILE run STEP_ID    -> that step's script
"""
import re
import sys


def parse(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    env, steps, i = {}, [], 0
    while i < len(lines):
        line = lines[i]
        if line == "    env:":
            i += 1
            while i < len(lines) and lines[i].startswith("      ") and not lines[i].startswith("       "):
                m = re.match(r"^      ([A-Z_]+): *(.*?)\s*(#.*)?$", lines[i])
                if not m:
                    raise SystemExit(f"{path}:{i + 1}: unexpected env line {lines[i]!r}")
                value = m.group(2)
                if value.startswith('"') and value.endswith('"'):
                    value = value[1:-1]
                env[m.group(1)] = value
                i += 1
            continue
        if line.startswith("      - "):
            step = {}
            steps.append(step)
            rest = line[8:]
            j = i
            while True:
                m = re.match(r"^(\w[\w-]*): *(.*)$", rest)
                if not m:
                    raise SystemExit(f"{path}:{j + 1}: unexpected step line {lines[j]!r}")
                key, value = m.group(1), m.group(2)
                if key == "run" and value == "|":
                    body = []
                    j += 1
                    while j < len(lines) and (lines[j].startswith("          ") or not lines[j].strip()):
                        body.append(lines[j][10:])
                        j += 1
                    while body and not body[-1].strip():
                        body.pop()
                    step["run"] = "\n".join(body) + "\n"
                else:
                    step[key] = value
                    j += 1
                if j < len(lines) and lines[j].startswith("        ") and not lines[j].startswith("         "):
                    rest = lines[j][8:]
                    continue
                break
            i = j
            continue
        i += 1
    return env, steps


def main():
    path, what = sys.argv[1], sys.argv[2]
    env, steps = parse(path)
    if what == "env":
        for k, v in env.items():
            print(f"{k}={v}")
    elif what == "ids":
        print("\n".join(s.get("id", "") for s in steps))
    elif what == "run":
        found = [s for s in steps if s.get("id") == sys.argv[3]]
        if len(found) != 1 or "run" not in found[0]:
            raise SystemExit(f"no step with id {sys.argv[3]} and a run block")
        sys.stdout.write(found[0]["run"])
    else:
        raise SystemExit("usage: ci_workflow.py FILE env|ids|run STEP_ID")


if __name__ == "__main__":
    main()
