#!/usr/bin/env python3
"""contractgate run vs Schemathesis on the example service (issue 6's benchmark). Not run in CI.

    python3 bench/schemathesis.py [--rounds N] [--out DIR]

What it does, from the repository root:
  1. builds `contractgate` and `user-service` (release);
  2. installs Schemathesis from PyPI into target/bench-venv (once; pinned below);
  3. for each fault of the example service (none, then every USER_SERVICE_FAULT), and for two
     workloads, starts a fresh service on 127.0.0.1 (USER_SERVICE_LOG=1: it logs every request it
     serves), runs one tool against it, and stops it;
  4. prints a Markdown table: wall time (median of the rounds), requests the service logged,
     requests per second, and the operations each tool reported as failing.

Workloads:
  positive  the same operations, positive data, one pass, the checks both tools have:
            contractgate --checks not_server_error,status_code_conformance,
              content_type_conformance,response_schema_conformance,response_headers_conformance
              (one request per operation: its examples, else synthesized data);
            st run --phases examples,fuzzing --mode positive --max-examples 1 --checks
              not_a_server_error,status_code_conformance,content_type_conformance,
              response_schema_conformance,response_headers_conformance (the spec's examples,
              then one generated case per operation: the examples phase alone skips operations
              without parameters or body, such as GET /user/profile).
  full      each tool's complete check set: contractgate with every check; Schemathesis with
            --phases examples,coverage,fuzzing --checks all --max-examples 10.

Requests are counted from the service's own log, so neither tool's bookkeeping is trusted. Wall
time is the tool's whole process (start-up included), against a service already listening.
Everything runs on this machine and talks to 127.0.0.1 only.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SCHEMATHESIS = "schemathesis==4.32.5"
TOKEN = "cg_demo_7f3a9c2e5b1d4e8f"  # the example service's public demo token
FAULTS = ["", "route-mixup", "profile-500", "profile-missing", "method-changed", "field-dropped", "auth-dropped"]
POSITIVE_CG = "not_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"
POSITIVE_ST = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"
REQUEST_LINE = re.compile(r"^user-service: (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE) ")

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples/user-service/openapi.yaml"
CONFIG = ROOT / "examples/user-service/contractgate.toml"
CONTRACTGATE = ROOT / "target/release/contractgate"
SERVICE = ROOT / "target/release/user-service"
VENV = ROOT / "target/bench-venv"


def build():
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "contractgate-cli", "-p", "user-service"],
        cwd=ROOT,
        check=True,
    )
    st = VENV / "bin/st"
    if not st.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin/pip"), "install", "--quiet", SCHEMATHESIS], check=True)
    version = subprocess.run([str(st), "--version"], capture_output=True, text=True, check=True)
    return st, version.stdout.strip()


class Service:
    """The example service on a free port, logging every request to `log`."""

    def __init__(self, fault, log):
        env = dict(os.environ, USER_SERVICE_LOG="1", USER_SERVICE_FAULT=fault)
        self.log = log
        self.proc = subprocess.Popen(
            [str(SERVICE), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=open(log, "w"),
            env=env,
            text=True,
        )
        line = self.proc.stdout.readline()
        match = re.search(r"http://\S+", line)
        if not match:
            self.stop()
            raise RuntimeError(f"the service did not print its URL: {line!r}")
        self.url = match.group(0)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def requests(self):
        with open(self.log) as f:
            return sum(1 for line in f if REQUEST_LINE.match(line))


def run_contractgate(url, workload, out):
    report = out / "contractgate.json"
    cmd = [
        str(CONTRACTGATE), "run", str(SPEC), "--config", str(CONFIG), "--env", "local",
        "--no-server", "--base-url", url, "--json", str(report),
    ]
    if workload == "positive":
        cmd += ["--checks", POSITIVE_CG]
    env = dict(os.environ, CI="true", USER_SERVICE_TOKEN=TOKEN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"contractgate exited {done.returncode}:\n{done.stderr}")
    failing = []
    for unit in json.loads(report.read_text())["operations"]:
        if unit["counts"]["failed"]:
            checks = [c["check"] for c in unit["checks"] if c["status"] in ("failed", "not_exercised", "errored")]
            name = f'{unit["method"]} {unit["path"]}' if unit["kind"] == "operation" else f'{unit["path"]} (any method)'
            failing.append(f"{name}: {', '.join(checks)}")
    return wall, failing


def run_schemathesis(st, url, workload, out):
    junit = out / "schemathesis.xml"
    cmd = [
        str(st), "run", str(SPEC), "--url", url, "-H", f"Authorization: Bearer {TOKEN}",
        "--report", "junit", "--report-junit-path", str(junit), "--no-shrink", "--seed", "1",
    ]
    if workload == "positive":
        cmd += ["--phases", "examples,fuzzing", "--mode", "positive", "--max-examples", "1", "--checks", POSITIVE_ST]
    else:
        cmd += ["--phases", "examples,coverage,fuzzing", "--checks", "all", "--max-examples", "10"]
    start = time.perf_counter()
    # Run in the scratch directory: Schemathesis keeps a `.schemathesis/` cache in its cwd.
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=out)
    wall = time.perf_counter() - start
    if not junit.exists():
        raise RuntimeError(f"schemathesis exited {done.returncode} without a report:\n{done.stdout[-3000:]}")
    failing = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            failing.append(f'{case.get("name")}: {failure.get("message", "")}')
    return wall, failing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="runs per cell; the median wall time is reported")
    parser.add_argument("--out", default=str(ROOT / "target/bench"), help="scratch directory")
    args = parser.parse_args()
    out_root = Path(args.out)
    shutil.rmtree(out_root, ignore_errors=True)
    st, st_version = build()
    cg_version = subprocess.run([str(CONTRACTGATE), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"# contractgate run vs Schemathesis ({cg_version}; {st_version}; {os.cpu_count()} cores)\n")
    print("| fault | workload | tool | wall s (median) | requests | req/s | failing operations |")
    print("| --- | --- | --- | ---: | ---: | ---: | --- |")
    totals = {}
    for fault in FAULTS:
        for workload in ("positive", "full"):
            for tool in ("contractgate", "schemathesis"):
                walls, requests, failing = [], [], []
                for r in range(args.rounds):
                    out = out_root / (fault or "none") / workload / tool / str(r)
                    out.mkdir(parents=True)
                    service = Service(fault, out / "service.log")
                    try:
                        if tool == "contractgate":
                            wall, failing = run_contractgate(service.url, workload, out)
                        else:
                            wall, failing = run_schemathesis(st, service.url, workload, out)
                    finally:
                        service.stop()
                    walls.append(wall)
                    requests.append(service.requests())
                wall = statistics.median(walls)
                reqs = int(statistics.median(requests))
                rps = reqs / wall if wall else 0.0
                totals.setdefault((workload, tool), []).append(rps)
                shown = "<br>".join(f"`{f}`" for f in failing) or "none"
                print(f"| {fault or 'none'} | {workload} | {tool} | {wall:.2f} | {reqs} | {rps:.0f} | {shown} |", flush=True)
    print("\n| workload | contractgate req/s (mean) | Schemathesis req/s (mean) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for workload in ("positive", "full"):
        cg = statistics.mean(totals[(workload, "contractgate")])
        st_rps = statistics.mean(totals[(workload, "schemathesis")])
        print(f"| {workload} | {cg:.0f} | {st_rps:.0f} | {cg / st_rps:.1f}x |")


if __name__ == "__main__":
    main()
