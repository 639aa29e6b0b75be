"""Benchmark: SHACL validation, ``ccai validate`` and the fast engine (api.shacl) against pySHACL.

On demand, not part of pytest::

    nice .venv/bin/python -m bench.validate                       # 10^4, 10^5, 10^6
    nice .venv/bin/python -m bench.validate --sizes 10000 --pyshacl-max 10000

Data: the project's graph (ontology + vocabularies + every source graph, the
asserted union the build validates) replicated with new IRIs, so that every
shape applies to every copy: copy ``k`` appends ``-r<k>`` to each entity slug
(``…/id/organisation/nemo`` → ``…/id/organisation/nemo-r3``) and to each source
document's slug (its locators follow), and relabels blank nodes; the ontology
and the vocabularies are included once. Copies are added until the size is
reached (at least the size), written as N-Triples into ``bench/.work/validate/``.

Three runs per size, each a fresh child process (so that its peak resident
memory is its own):

* ``cli``: the command as users run it, end to end (``ccai validate FILE
  --format json``: interpreter start, reading the file, the core profile's
  shapes and background, the report rendered), measured from outside by
  ``/usr/bin/time -v`` (user + system CPU, wall, maximum resident set size);
* ``fast``: the engine alone (``api.shacl.validate`` on the file, streamed into
  Oxigraph), and
* ``pyshacl``: pySHACL (``api.validation.run_engine`` with ``engine="pyshacl"``,
  the file parsed with rdflib first), only up to ``--pyshacl-max`` triples
  (default 10^5: about an hour of CPU at 10^6); both measured inside the child
  from the start of loading to the report graph (``ru_maxrss`` for memory),
  against all of ``shapes/``.

Where both engines ran, their results must be identical (focus, path, shape,
severity, value, component, messages), and the command must report as many
results as the engine, or the benchmark fails. Results go to
``bench/results/validate-<timestamp>.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
WORK = ROOT / ".work" / "validate"
RESULTS = ROOT / "results"
_ENTITY = re.compile(r"<https://w3id\.org/ccai/(?:id/[^/>#]+|source)/[^/>#]+")
_BNODE = re.compile(r"(_:[A-Za-z0-9_]+)")


def generate(size: int) -> tuple[Path, int, int]:
    """The replicated graph as N-Triples: ``(path, triples, copies)``."""
    from rdflib import Graph

    from api.build.loader import load

    WORK.mkdir(parents=True, exist_ok=True)
    loaded = load()
    base = Graph()
    base += loaded.ontology
    base += loaded.vocabularies
    sources = Graph()
    for triple in loaded.source_union():
        sources.add(triple)
    base_text = base.serialize(format="nt")
    template = sources.serialize(format="nt")
    base_lines = sum(1 for line in base_text.splitlines() if line.strip())
    per_copy = sum(1 for line in template.splitlines() if line.strip())
    copies = max(1, math.ceil((size - base_lines) / per_copy))
    path = WORK / f"graph-{size}.nt"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(base_text)
            for k in range(copies):
                text = _ENTITY.sub(lambda m, k=k: f"{m.group(0)}-r{k}", template)
                out.write(_BNODE.sub(lambda m, k=k: f"{m.group(1)}r{k}", text))
        tmp.rename(path)
    return path, base_lines + copies * per_copy, copies


# ---------------------------------------------------------------- child process


def child(engine: str, path: Path, out: Path, shapes_dir: Path | None) -> None:
    """Validate ``path`` with ``engine``; write timings, memory and results to ``out``."""
    from rdflib import Graph

    from api.validation import load_shapes
    from tests.shacl.oracle import results_of

    shapes = load_shapes(shapes_dir)
    started, cpu = time.perf_counter(), time.process_time()
    phases: dict[str, float] = {}
    if engine == "fast":
        from api import shacl

        outcome = shacl.validate(path, shapes)
        conforms, report = outcome.conforms, outcome.report
        phases = {k: round(v, 3) for k, v in outcome.timings.items()}
    else:
        from api.validation import run_engine

        data = Graph().parse(path, format="nt")
        phases["parse"] = round(time.perf_counter() - started, 3)
        conforms, report = run_engine(data, shapes, Graph(), engine="pyshacl")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    results = results_of(report)
    out.write_text(
        json.dumps(
            {
                "engine": engine,
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "phases": phases,
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "conforms": conforms,
                "results": sum(results.values()),
                "keys": [[list(k), n] for k, n in sorted(results.items())],
            }
        )
    )


def run_cli(path: Path, timeout: float) -> dict:
    """``ccai validate FILE --format json -v`` under ``/usr/bin/time -v``."""
    timer = shutil.which("time", path="/usr/bin:/bin")
    if timer is None:
        raise SystemExit("bench.validate: /usr/bin/time (GNU time) is needed for the cli run")
    script = Path(sys.executable).parent / "ccai"
    ccai = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    out = WORK / f"{path.stem}-cli.json"
    with out.open("w", encoding="utf-8") as stdout:
        done = subprocess.run(
            [timer, "-v", *ccai, "validate", str(path), "--format", "json", "-v"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
            cwd=ROOT.parent,
        )
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench.validate: ccai validate failed:\n{done.stderr}")
    report = json.loads(out.read_text(encoding="utf-8"))
    measured = _gnu_time(done.stderr)
    phases = re.search(r"ccai validate: (parse .*)$", done.stderr, re.MULTILINE)
    return {
        "engine": "cli",
        **measured,
        "phases": phases.group(1) if phases else "",
        "conforms": report["conforms"],
        "results": len(report["results"]),
    }


def _gnu_time(stderr: str) -> dict:
    """CPU (user + system), wall and peak RSS from ``/usr/bin/time -v``'s report."""

    def field(name: str) -> str:
        match = re.search(rf"^\s*{re.escape(name)}: (.+)$", stderr, re.MULTILINE)
        if match is None:
            raise SystemExit(f"bench.validate: no {name!r} in /usr/bin/time's output")
        return match.group(1).strip()

    elapsed = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    clock = [float(part) for part in elapsed.split(":")]
    wall = sum(value * 60**power for power, value in enumerate(reversed(clock)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mib": round(int(field("Maximum resident set size (kbytes)")) / 1024, 1),
    }


def run_child(engine: str, path: Path, timeout: float, shapes_dir: Path | None) -> dict:
    out = WORK / f"{path.stem}-{engine}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.validate", "--child", engine, str(path), str(out)]
    if shapes_dir is not None:
        command += ["--shapes", str(shapes_dir)]
    subprocess.run(command, check=True, timeout=timeout, cwd=ROOT.parent)
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--pyshacl-max", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--shapes", type=Path, help="shapes directory (default: shapes/)")
    parser.add_argument(
        "--child", nargs=3, metavar=("ENGINE", "FILE", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]), args.shapes)
        return 0
    rows = []
    failed = False
    for size in (int(s) for s in args.sizes.split(",")):
        path, triples, copies = generate(size)
        row: dict = {"size": size, "triples": triples, "copies": copies}
        if args.shapes is None:  # the command validates against shapes/ (profile core)
            row["cli"] = run_cli(path, args.timeout)
        row["fast"] = run_child("fast", path, args.timeout, args.shapes)
        if "cli" in row and row["cli"]["results"] != row["fast"]["results"]:
            print(f"ccai validate reported {row['cli']['results']} results", file=sys.stderr)
            failed = True
        if size <= args.pyshacl_max:
            row["pyshacl"] = run_child("pyshacl", path, args.timeout, args.shapes)
            same = Counter({tuple(map(_tuple, k)): n for k, n in row["fast"]["keys"]}) == Counter(
                {tuple(map(_tuple, k)): n for k, n in row["pyshacl"]["keys"]}
            )
            row["identical"] = same
            row["speedup_wall"] = round(row["pyshacl"]["wall_s"] / row["fast"]["wall_s"], 1)
            row["speedup_cpu"] = round(row["pyshacl"]["cpu_s"] / row["fast"]["cpu_s"], 1)
            failed |= not same
        for engine in ("fast", "pyshacl"):
            if engine in row:
                row[engine].pop("keys")
        rows.append(row)
        print(_line(row), flush=True)
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"validate-{stamp}.json").write_text(json.dumps(rows, indent=2))
    return 1 if failed else 0


def _tuple(item: object) -> object:
    return tuple(item) if isinstance(item, list) else item


def _line(row: dict) -> str:
    fast = row["fast"]
    text = f"{row['triples']:>9,} triples  "
    if "cli" in row:
        cli = row["cli"]
        text += (
            f"ccai validate {cli['wall_s']:>7.2f} s wall {cli['cpu_s']:>7.2f} s CPU "
            f"{cli['peak_rss_mib']:>7.1f} MiB  | "
        )
    text += (
        f"fast {fast['wall_s']:>7.2f} s wall "
        f"{fast['cpu_s']:>7.2f} s CPU {fast['peak_rss_mib']:>7.1f} MiB  {fast['results']} results"
    )
    if "pyshacl" in row:
        py = row["pyshacl"]
        text += (
            f"  | pySHACL {py['wall_s']:>7.2f} s wall {py['cpu_s']:>7.2f} s CPU "
            f"{py['peak_rss_mib']:>7.1f} MiB  {py['results']} results  "
            f"x{row['speedup_cpu']} CPU, x{row['speedup_wall']} wall  identical={row['identical']}"
        )
    return text


if __name__ == "__main__":
    raise SystemExit(main())
