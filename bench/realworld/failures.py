#!/usr/bin/env python3
"""One line per failed / not-exercised / errored check of `contractgate run --json` reports.

    python3 bench/realworld/failures.py /tmp/cg-real/out/jupyter.json [...]
    python3 bench/realworld/failures.py --all /tmp/cg-real/out   # every NAME.json in a folder

Columns: target, operation (or path for method_not_allowed), check, status, headline, and the
status line the server answered (from the failure's Received line). Then the warnings of passed
checks (undeclared properties, 5xx to invalid data, ...), and the checks that passed although the
operation's own request was refused (a pass that proved nothing). Standard library only: diff the
output of two runs to compare binaries.
"""
import json
import pathlib
import sys


def reports(args):
    for a in args:
        p = pathlib.Path(a)
        if p.is_dir():
            yield from sorted(
                f for f in p.glob("*.json") if not f.name.endswith(".spec.json")
            )
        else:
            yield p


def main(argv):
    args = [a for a in argv if a != "--all"]
    for path in reports(args):
        try:
            r = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if "operations" not in r:
            continue
        name = path.stem
        warnings, vacuous = [], []
        for op in r["operations"]:
            statuses = {c["check"]: c["status"] for c in op["checks"]}
            refused = statuses.get("not_server_error") in ("not_exercised", "errored")
            for c in op["checks"]:
                st = c["status"]
                if st in ("failed", "not_exercised", "errored"):
                    f = c.get("failure") or {}
                    received = next(
                        (l[len("Received: "):] for l in f.get("rendered", "").splitlines()
                         if l.startswith("Received: ")), "")
                    print(f"{name}\t{op['id']}\t{c['check']}\t{st}\t{f.get('title', '')}\t{received}")
                for w in c.get("warnings") or []:
                    warnings.append(f"{name}\t{op['id']}\t{c['check']}\twarning\t{w}")
                if st == "passed" and refused and c["check"] in ("auth_enforced", "negative_data_rejection"):
                    vacuous.append(f"{name}\t{op['id']}\t{c['check']}\tpassed-but-refused\tthe operation's own request was refused too")
        for line in warnings + vacuous:
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:] or ["--all", "/tmp/cg-real/out"])
