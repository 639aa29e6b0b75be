"""The pure helpers of the load benchmark (bench/load.py): no server is started.

The load test itself runs on demand (``python -m bench.load``); these tests keep
its arithmetic honest: the mix draw, quantiles, the cheap-answer windows, the
targets' verdicts and the README section it rewrites.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import load
from bench.load import Sample


def _s(cls: str, status: int | str, start: float, end: float) -> Sample:
    return Sample(cls, "q", status, start, end)


def test_pick_class_follows_the_weights() -> None:
    rng = load.thread_rng(1, 0)
    drawn = [load.pick_class(rng, load.MIXES["heavy"]) for _ in range(20_000)]
    shares = {cls: drawn.count(cls) / len(drawn) for cls in load.CLASSES}
    assert shares["named"] == pytest.approx(0.80, abs=0.015)
    assert shares["entity"] == pytest.approx(0.15, abs=0.015)
    assert shares["heavy"] == pytest.approx(0.05, abs=0.01)
    baseline = {load.pick_class(rng, load.MIXES["baseline"]) for _ in range(2_000)}
    assert baseline == {"named", "entity"}


def test_the_same_seed_draws_the_same_sequence() -> None:
    a, b = load.thread_rng(7, 3), load.thread_rng(7, 3)
    weights = load.MIXES["heavy"]
    assert [load.pick_class(a, weights) for _ in range(50)] == [
        load.pick_class(b, weights) for _ in range(50)
    ]


def test_percentile_ms_interpolates_in_milliseconds() -> None:
    seconds = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert load.percentile_ms(seconds, 0.5) == pytest.approx(50.5)
    assert load.percentile_ms(seconds, 0.99) == pytest.approx(99.01)
    assert load.percentile_ms([], 0.99) is None


def test_seconds_without_counts_windows_with_no_successful_cheap_answer() -> None:
    samples = [
        _s("named", 200, 0.0, 0.5),  # window 0
        _s("entity", 200, 1.0, 1.2),  # window 1
        _s("heavy", 504, 0.0, 2.5),  # window 2: heavy only, not cheap
        _s("named", 429, 2.0, 2.1),  # window 2: refused, not an answer
        _s("named", 200, 3.0, 3.9),  # window 3
        _s("named", 200, 4.5, 5.5),  # window 5
    ]
    assert load.seconds_without(samples, 6.0, load.CHEAP) == [2, 4]
    assert load.seconds_without(samples, 4.99, load.CHEAP) == [2]  # whole windows only
    assert load.longest_gap(samples, 6.0, load.CHEAP) == pytest.approx(2.7)  # 1.2 → 3.9


def test_longest_gap_without_any_answer_is_the_whole_phase() -> None:
    assert load.longest_gap([_s("heavy", 504, 0, 1)], 3.0, load.CHEAP) == 3.0


def test_class_summary_separates_answers_from_refusals() -> None:
    rows = [_s("named", 200, 0, 0.010 * i) for i in range(1, 11)]
    rows += [_s("named", 429, 0, 0.001), _s("named", 503, 0, 2.0), _s("named", "timeout", 0, 60)]
    summary = load.class_summary(rows)
    assert (summary["sent"], summary["ok"]) == (13, 10)
    assert summary["statuses"] == {"200": 10, "429": 1, "503": 1, "timeout": 1}
    assert summary["refused_share"] == pytest.approx(2 / 13)
    assert summary["max_ms"] == pytest.approx(100)
    assert summary["any_p99_ms"] > summary["p99_ms"]


def test_summarise_counts_throughput_over_the_sending_phase() -> None:
    samples = [_s("named", 200, i / 10, i / 10 + 0.05) for i in range(100)]  # 10 s of answers
    samples.append(_s("heavy", 504, 9.0, 14.0))  # ends after the sending phase
    figures = load.summarise(load.LoadResult(samples, issuing_s=10.0, wall_s=14.0))
    assert figures["req_per_s"] == pytest.approx(10.0)
    assert figures["requests"] == 101
    assert figures["windows"] == 10 and figures["seconds_without_cheap"] == 0


def test_health_delta_reports_kills_and_cache_counters() -> None:
    def health(kills: dict[str, int], hits: int) -> dict:
        store = {
            "kills": {"total": sum(kills.values()), "by_reason": kills},
            "workers": {"live": 3},
        }
        return {"status": "ok", "store": store, "result_cache": {"hits": hits, "misses": 0}}

    d = load.health_delta(health({"timeout": 1}, 5), health({"timeout": 3, "memory": 2}, 9))
    assert d["kills"] == 4 and d["cache_hits"] == 4
    assert d["kills_by_reason"] == {"memory": 2, "timeout": 2}


def _cell(
    mix: str,
    p99: float,
    gaps: int = 0,
    total: float = 600,
    worker: float = 300,
    waiting: int = 1,
) -> dict:
    return {
        "concurrency": 8,
        "cache": "off",
        "mix": mix,
        "cheap": {"p99_ms": p99},
        "seconds_without_cheap": gaps,
        "cheap_pending_in_gaps": [waiting] * gaps,
        "rss": {"peak_total_mb": total, "peak_server_mb": 100, "peak_worker_mb": worker},
        "memory_limit_mb": 640,
        "workers": 3,
        "statuses": {"200": 10},
    }


def test_verdicts_compare_each_heavy_cell_with_its_baseline() -> None:
    cells = [_cell("baseline", 100), _cell("heavy", 250)]
    (row,) = load.verdicts(cells, 2560, 64)
    assert row["p99_ratio"] == pytest.approx(2.5) and row["p99_met"]
    assert row["total_limit_mb"] == 100 + 3 * 640 + 64
    assert row["no_gap_met"] and row["rss_met"] and row["worker_met"] and row["no_500_met"]
    cells = [_cell("baseline", 100), _cell("heavy", 400, gaps=2, total=2100, worker=705)]
    cells[1]["statuses"]["500"] = 1
    (row,) = load.verdicts(cells, 2560, 64)
    assert not (row["p99_met"] or row["no_gap_met"] or row["rss_met"] or row["worker_met"])
    assert not row["no_500_met"] and row["http_500"] == 1
    # a second in which no cheap request was even waiting does not count against the server
    cells = [_cell("baseline", 100), _cell("heavy", 150, gaps=3, waiting=0)]
    (row,) = load.verdicts(cells, 2560, 64)
    assert row["no_gap_met"] and row["seconds_cheap_waiting_unanswered"] == 0


def test_total_limit_never_exceeds_the_budget() -> None:
    cell = _cell("heavy", 1)
    cell["memory_limit_mb"] = 1024
    assert load.total_limit_mb(cell, 2560, 64) == 2560


def test_process_tree_and_rss_read_proc_for_this_process() -> None:
    assert load.process_tree(os.getpid())[0] == os.getpid()
    assert load.rss_bytes(os.getpid()) > 0
    assert load.hwm_bytes(os.getpid()) >= load.rss_bytes(os.getpid()) // 2
    assert load.rss_bytes(2**22 + 12345) == 0  # no such process


def test_rss_peaks_keep_the_highest_total_and_per_process_peak() -> None:
    peaks = load.RssPeaks()
    peaks.add({1: 100 * load.MIB, 2: 50 * load.MIB}, {2: 70 * load.MIB})
    peaks.add({1: 90 * load.MIB, 3: 200 * load.MIB}, {})
    summary = peaks.summary(server=1)
    assert summary["peak_total_mb"] == 290
    assert (summary["peak_server_mb"], summary["peak_worker_mb"]) == (100, 200)
    assert summary["processes_seen"] == 3


def test_entity_targets_alternate_turtle_and_html() -> None:
    targets = load.entity_targets(["/id/organisation/nemo", "/id/person/x"])
    assert [t.accept for t in targets[0::2]] == ["text/turtle"] * 2
    assert [t.accept for t in targets[1::2]] == ["text/html"] * 2


def test_write_readme_replaces_only_the_marked_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nintro\n{load.MARK_START}\nold\n{load.MARK_END}\n\nafter\n")
    load.write_readme("| new | table |", readme)
    assert readme.read_text() == (
        f"# Title\n\nintro\n{load.MARK_START}\n| new | table |\n{load.MARK_END}\n\nafter\n"
    )
    (tmp_path / "bare.md").write_text("no markers\n")
    with pytest.raises(SystemExit):
        load.write_readme("x", tmp_path / "bare.md")


def test_cpu_seconds_reads_this_process_and_nothing_for_a_missing_one() -> None:
    own, reaped = load.cpu_seconds(os.getpid())
    assert own > 0 and reaped >= 0
    assert load.cpu_seconds(2**22 + 12345) == (0.0, 0.0)
    assert set(load.tree_cpu(os.getpid())) == {"server", "workers"}


def test_pending_in_counts_cheap_requests_waiting_during_a_window() -> None:
    samples = [
        _s("named", 200, 0.5, 3.5),  # waiting through windows 0..3
        _s("entity", 429, 1.2, 1.3),  # refused in window 1
        _s("heavy", 504, 0.0, 9.0),  # not cheap
    ]
    assert [load.pending_in(samples, k, load.CHEAP) for k in range(5)] == [1, 2, 1, 1, 0]


def test_source_digest_depends_on_names_and_contents(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "a.py").write_text("x = 1\n")
    first = load.source_digest(tmp_path)
    assert load.source_digest(tmp_path) == first
    (tmp_path / "api" / "a.py").write_text("x = 2\n")
    assert load.source_digest(tmp_path) != first


def test_start_ticks_names_a_living_process_only() -> None:
    assert load.start_ticks(os.getpid()) == load.start_ticks(os.getpid()) is not None
    assert load.start_ticks(2**22 + 12345) is None
