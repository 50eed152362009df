#!/usr/bin/env python3
"""One-fault mutants: how many single-route faults does each contractgate binary catch?

    python3 bench/realworld/mutants.py                       # both specs, both classes, both binaries
    python3 bench/realworld/mutants.py --spec train-travel --class misroute --op get-trips
    BINARIES="old=/path/a new=/path/b" python3 bench/realworld/mutants.py

For ReadMe's petstore 3.0 and train-travel 3.1 (from @readme/oas-examples, installed by setup.sh),
every operation gets mutant specs that break exactly that operation, each served by a static
Prism mock (`prism mock -h 127.0.0.1 -p PORT MUTANT`):

  500       every documented response of the operation replaced by one empty
            `"500": {"description": "broken"}`.
  misroute  the operation's 2xx responses replaced by another operation's 2xx response (the
            next operation in document order, wrapping, whose 2xx `application/json` schema
            differs). The operation's own status code is kept, except for a no-body status
            (204/205/304), which takes the donor's. Operations without a 2xx response get no
            misroute mutant (listed as n/a, not dropped).

Security, parameters and request bodies are untouched. contractgate then runs against the
ORIGINAL spec with the kit's config (`--config contractgate.toml --env prism`, as run.sh does).
A mutant is caught when the broken operation has a (check, status) pair with status failed,
not_exercised or errored that the unbroken run of the same binary does not have. Every other
operation or path with such a new pair is reported as a false positive. The unbroken spec is
served and checked twice (before and after the mutants) to show run-to-run noise.

Outputs in $CG_REAL/mutants (default /tmp/cg-real/mutants): SPEC/CLASS/OP/{spec.json,
prism.log, BINARY.json, BINARY.txt}, results.tsv (one line per mutant and binary), misses.txt,
false-positives.txt. Standard library only. Only 127.0.0.1 is bound; each Prism runs in its own
process group, stopped after its mutant (and on exit or signal).
"""
import argparse
import copy
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
CG_REAL = pathlib.Path(os.environ.get("CG_REAL", "/tmp/cg-real"))
PRISM = CG_REAL / "node/node_modules/.bin/prism"
OAS = CG_REAL / "node/node_modules/@readme/oas-examples"
SPECS = {
    "petstore": OAS / "3.0/json/petstore.json",
    "train-travel": OAS / "3.1/json/train-travel.json",
}
CONFIG = HERE / "contractgate.toml"
ENV = "prism"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BAD = ("failed", "not_exercised", "errored")
NO_BODY = ("204", "205", "304")
CLASSES = ("500", "misroute")


def default_binaries():
    spec = os.environ.get("BINARIES")
    if spec:
        return dict(item.split("=", 1) for item in spec.split())
    return {
        "baseline": str(CG_REAL / "contractgate-baseline"),
        "new": str(CG_REAL / "contractgate-new"),
    }


# --- spec handling ---------------------------------------------------------------------------

def operations(spec):
    """(path, method, operation) in document order."""
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def op_id(path, method, op):
    return op.get("operationId") or f"{method.upper()} {path}"


def resolve(spec, obj):
    """Follows a local $ref (components/responses) once or more."""
    seen = 0
    while isinstance(obj, dict) and "$ref" in obj and seen < 10:
        parts = obj["$ref"].lstrip("#/").split("/")
        obj = spec
        for p in parts:
            obj = obj[p.replace("~1", "/").replace("~0", "~")]
        seen += 1
    return obj


def success_codes(op):
    return [c for c in op.get("responses", {}) if str(c).startswith("2")]


def json_success(spec, op):
    """(status, resolved response, canonical JSON schema) of the first 2xx with an
    application/json schema, or None."""
    for code in success_codes(op):
        resp = resolve(spec, op["responses"][code])
        media = (resp.get("content") or {}).get("application/json")
        if media and "schema" in media:
            return code, resp, json.dumps(media["schema"], sort_keys=True)
    return None


def donor_for(spec, target_key):
    """The next operation after target (wrapping) with a 2xx JSON response whose schema
    differs from the target's own 2xx JSON schema (if it has one)."""
    ops = list(operations(spec))
    idx = next(i for i, (p, m, _) in enumerate(ops) if (p, m) == target_key)
    own = json_success(spec, ops[idx][2])
    own_schema = own[2] if own else None
    for k in range(1, len(ops)):
        p, m, o = ops[(idx + k) % len(ops)]
        js = json_success(spec, o)
        if js and js[2] != own_schema:
            return op_id(p, m, o), js[0], js[1]
    return None


def mutate(spec, path, method, cls):
    """A deep copy of spec with one operation broken, and a note on what was done
    (None when the class does not apply)."""
    m = copy.deepcopy(spec)
    op = m["paths"][path][method]
    if cls == "500":
        op["responses"] = {"500": {"description": "broken"}}
        return m, "all responses -> empty 500"
    codes = success_codes(op)
    if not codes:
        return None, "no 2xx response documented"
    donor = donor_for(spec, (path, method))
    if donor is None:
        return None, "no other operation has a 2xx JSON response with a different schema"
    donor_id, donor_code, donor_resp = donor
    new = {}
    for code, resp in op["responses"].items():
        if code in codes:
            if code == codes[0]:
                status = donor_code if code in NO_BODY else code
                new[status] = copy.deepcopy(donor_resp)
            # further 2xx of the operation are dropped: the route answers only the donor's body
        else:
            new[code] = resp
    op["responses"] = new
    return m, f"{','.join(codes)} -> {donor_id}'s {donor_code} response (as {status})"


# --- processes -------------------------------------------------------------------------------

class Prism:
    """`prism mock` in its own process group; stop() kills the group."""

    live = set()

    def __init__(self, spec_path, log_path):
        self.port = free_port()
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(self.port), str(spec_path)],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        Prism.live.add(self)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prism exited early (log: {self.log.name})")
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is up
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError(f"prism not ready after {timeout} s (log: {self.log.name})")

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        else:
            # the leader is gone; its group may not be
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
        Prism.live.discard(self)


def stop_all():
    for p in list(Prism.live):
        p.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cg(binary, spec, url, out_json, out_txt, extra):
    if out_json.exists():
        out_json.unlink()
    cmd = [binary, "run", str(spec), "--config", str(CONFIG), "--env", ENV,
           "--base-url", url, "--json", str(out_json)] + extra
    with open(out_txt, "wb") as f:
        try:
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=600).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    try:
        return json.loads(out_json.read_text()), rc
    except (OSError, ValueError):
        return None, rc


def serve_and_check(spec_path, workdir, binaries, extra):
    """Serves spec_path with Prism and runs every binary against the ORIGINAL spec."""
    workdir.mkdir(parents=True, exist_ok=True)
    reports = {}
    prism = Prism(spec_path, workdir / "prism.log")
    try:
        prism.wait_ready()
        for name, binary in binaries.items():
            reports[name] = run_cg(binary, ORIGINAL[0], prism.url, workdir / f"{name}.json",
                                   workdir / f"{name}.txt", extra)
    finally:
        prism.stop()
    return reports


ORIGINAL = [None]  # the original spec of the spec being measured


# --- verdicts --------------------------------------------------------------------------------

def bad_pairs(report):
    """{operation or path id: {(check, status), ...}} for failed / not-exercised / errored."""
    out = {}
    for op in (report or {}).get("operations", []):
        s = out.setdefault(op["id"], set())
        for c in op["checks"]:
            if c["status"] in BAD:
                s.add((c["check"], c["status"]))
    return out


def op_entry(report, oid):
    for op in (report or {}).get("operations", []):
        if op["id"] == oid:
            return op
    return None


def describe(op):
    """One line: every check of the operation with its status and headline or reason."""
    if op is None:
        return "operation absent from the report"
    parts = []
    for c in op["checks"]:
        why = (c.get("failure") or {}).get("title") or c.get("reason") or ""
        received = next((l[len("Received: "):] for l in
                         (c.get("failure") or {}).get("rendered", "").splitlines()
                         if l.startswith("Received: ")), "")
        bit = f"{c['check']}={c['status']}"
        if why:
            bit += f" ({why}{'; ' + received if received else ''})"
        parts.append(bit)
    return "; ".join(parts)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", action="append", choices=sorted(SPECS), help="default: both")
    ap.add_argument("--class", dest="classes", action="append", choices=CLASSES, help="default: both")
    ap.add_argument("--op", action="append", help="only these operation ids")
    ap.add_argument("--out", default=str(CG_REAL / "mutants"))
    ap.add_argument("--cg-flags", default="", help='extra contractgate flags, e.g. "--concurrency 4"')
    args = ap.parse_args(argv)

    binaries = default_binaries()
    for name, b in binaries.items():
        if not os.access(b, os.X_OK):
            sys.exit(f"mutants.py: binary {name} not executable: {b}")
    if not PRISM.exists():
        sys.exit("mutants.py: no Prism; run setup.sh first")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    extra = args.cg_flags.split()
    specs = args.spec or list(SPECS)
    classes = args.classes or list(CLASSES)

    rows, na, fps, misses, noise = [], [], [], [], []
    started = time.time()
    for sname in specs:
        original = json.loads(SPECS[sname].read_text())
        sdir = out / sname
        sdir.mkdir(parents=True, exist_ok=True)
        orig_path = sdir / "original.json"
        orig_path.write_text(json.dumps(original, indent=1))
        ORIGINAL[0] = orig_path

        print(f"[{sname}] unbroken run 1", flush=True)
        unbroken = serve_and_check(orig_path, sdir / "unbroken-1", binaries, extra)
        base = {b: bad_pairs(r[0]) for b, r in unbroken.items()}

        for cls in classes:
            for path, method, op in operations(original):
                oid = op_id(path, method, op)
                if args.op and oid not in args.op:
                    continue
                mspec, note = mutate(original, path, method, cls)
                if mspec is None:
                    na.append((sname, cls, oid, note))
                    print(f"[{sname}] {cls:8} {oid:28} n/a: {note}", flush=True)
                    continue
                mdir = sdir / cls / oid.replace("/", "_").replace(" ", "_")
                mdir.mkdir(parents=True, exist_ok=True)
                (mdir / "spec.json").write_text(json.dumps(mspec, indent=1))
                (mdir / "mutation.txt").write_text(note + "\n")
                t0 = time.time()
                try:
                    reports = serve_and_check(mdir / "spec.json", mdir, binaries, extra)
                except RuntimeError as e:
                    reports = {b: (None, f"not run: {e}") for b in binaries}
                line = []
                for b in binaries:
                    report, rc = reports[b]
                    if report is None:
                        rows.append((sname, cls, oid, b, "error", f"no report (exit {rc})", note))
                        line.append(f"{b}=ERROR")
                        continue
                    got = bad_pairs(report)
                    new_pairs = got.get(oid, set()) - base[b].get(oid, set())
                    caught = bool(new_pairs)
                    checks = ",".join(sorted(f"{c}:{s}" for c, s in new_pairs))
                    rows.append((sname, cls, oid, b, "yes" if caught else "no", checks, note))
                    line.append(f"{b}={'caught' if caught else 'MISSED'}{' by ' + checks if checks else ''}")
                    if not caught:
                        misses.append((sname, cls, oid, b, describe(op_entry(report, oid))))
                    for other, pairs in got.items():
                        if other == oid:
                            continue
                        extra_pairs = pairs - base[b].get(other, set())
                        if extra_pairs:
                            fps.append((sname, cls, oid, b, other,
                                        ",".join(sorted(f"{c}:{s}" for c, s in extra_pairs)),
                                        describe(op_entry(report, other))))
                print(f"[{sname}] {cls:8} {oid:28} {'  '.join(line)}  ({time.time() - t0:.0f} s)", flush=True)

        print(f"[{sname}] unbroken run 2", flush=True)
        again = serve_and_check(orig_path, sdir / "unbroken-2", binaries, extra)
        for b, (r, _) in again.items():
            second = bad_pairs(r)
            for k in set(second) | set(base[b]):
                if second.get(k, set()) != base[b].get(k, set()):
                    noise.append((sname, b, k, sorted(base[b].get(k, set()) ^ second.get(k, set()))))

    # --- outputs -----------------------------------------------------------------------------
    with open(out / "results.tsv", "w") as f:
        f.write("spec\tclass\toperation\tbinary\tcaught\tcaught_by\tmutation\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
        for s, c, o, note in na:
            for b in binaries:
                f.write(f"{s}\t{c}\t{o}\t{b}\tn/a\t\t{note}\n")
    with open(out / "misses.txt", "w") as f:
        for m in misses:
            f.write("\t".join(m) + "\n")
    with open(out / "false-positives.txt", "w") as f:
        for m in fps:
            f.write("\t".join(m) + "\n")

    print(f"\nOne-fault mutants ({time.time() - started:.0f} s); caught / mutants")
    print(f"| spec | fault | {' | '.join(binaries)} |")
    print(f"| --- | --- | {' | '.join('---:' for _ in binaries)} |")
    for sname in specs:
        for cls in classes:
            cells = []
            for b in binaries:
                sel = [r for r in rows if r[0] == sname and r[1] == cls and r[3] == b]
                cells.append(f"{sum(r[4] == 'yes' for r in sel)} / {len(sel)}")
            n_na = sum(1 for x in na if x[0] == sname and x[1] == cls)
            label = cls + (f" ({n_na} ops n/a)" if n_na else "")
            print(f"| {sname} | {label} | {' | '.join(cells)} |")
    if na:
        print("\nNo mutant (class does not apply):")
        for s, c, o, note in na:
            print(f"  {s} {c} {o}: {note}")
    print(f"\nMissed ({len(misses)}): {out / 'misses.txt'}")
    for s, c, o, b, why in misses:
        print(f"  {b:9} {s} {c} {o}: {why}")
    print(f"\nOther operations newly failing ({len(fps)}): {out / 'false-positives.txt'}")
    for s, c, o, b, other, pairs, _ in fps:
        print(f"  {b:9} {s} {c} {o}: {other} {pairs}")
    print(f"\nUnbroken run-to-run differences: {len(noise)}")
    for s, b, k, d in noise:
        print(f"  {b:9} {s} {k}: {d}")
    print(f"\nper-mutant TSV: {out / 'results.tsv'}")


if __name__ == "__main__":
    def _term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGHUP, _term)
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        stop_all()
