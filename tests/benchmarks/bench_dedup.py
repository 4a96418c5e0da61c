"""Benchmark: blocked near-duplicate search (workers.dedup, SLAC §3.4) vs one full N×N matmul per class.

A script, not a test (pytest collects test_*.py only). Every class gets fresh random unit embeddings with 1% planted
near-duplicates (cosine 0.97), so both sides find real edges. Per class, in the same process and alternating which
side runs first so background load hits both alike:

- blocked:  ``find_duplicates`` end to end (normalise, upper-triangle row blocks, union-find, representatives);
- baseline: normalise, ``X @ X.T`` in one call, threshold the strict upper triangle, list the pairs
  (no components: the baseline does strictly less work after the product). numpy hands ``X @ X.T`` to BLAS
  syrk, which computes one triangle only;
- baseline on a copy: the same with ``X @ Y.T`` where Y is a copy of X, i.e. a general GEMM, the cost of a full
  product without numpy's syrk shortcut.

The first class is also checked against ``find_duplicates_brute_force`` (identical representatives) and measured
once under tracemalloc for peak memory. Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_dedup.py --classes 60 --write docs/benchmarks_mining.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from workers.dedup import (  # noqa: E402
    BLOCK_ROWS,
    DUPLICATE_THRESHOLD,
    find_duplicates,
    find_duplicates_brute_force,
    l2_normalize,
)

SECTION_TITLE = "## Near-duplicate search: blocked vs full matmul (SLAC §3.4)"


def class_embeddings(rng: np.random.Generator, *, videos: int, dim: int) -> np.ndarray:
    x = l2_normalize(rng.standard_normal((videos, dim), dtype=np.float32))
    planted = rng.choice(videos, size=(videos // 100, 2), replace=False)
    noise = l2_normalize(rng.standard_normal((len(planted), dim), dtype=np.float32))
    # x_b = 0.97 x_a + sqrt(1 - 0.97²) n  has cosine ≈ 0.97 with x_a (n is nearly orthogonal to x_a in 1280-d)
    x[planted[:, 1]] = l2_normalize(0.97 * x[planted[:, 0]] + np.sqrt(1 - 0.97**2) * noise)
    return x


def baseline(features: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    x = l2_normalize(features)
    similarity = x @ x.T
    return np.nonzero(np.triu(similarity > threshold, k=1))


def baseline_gemm(features: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    x = l2_normalize(features)
    similarity = x @ x.copy().T  # a distinct buffer: numpy cannot use syrk
    return np.nonzero(np.triu(similarity > threshold, k=1))


def blocked(features: np.ndarray, threshold: float, block_rows: int):
    return find_duplicates(features=features, ids=range(len(features)), threshold=threshold, block_rows=block_rows)


def peak_megabytes(function) -> float:
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_section(path: Path, body: str) -> None:
    """Replace this benchmark's section in ``path`` (other sections are kept), or create the file."""
    text = path.read_text() if path.exists() else "# Mining pipeline benchmarks\n"
    if SECTION_TITLE in text:
        before, rest = text.split(SECTION_TITLE, 1)
        after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
        text = before + body.rstrip("\n") + "\n" + after
    else:
        text = text.rstrip("\n") + "\n\n" + body
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", type=int, default=60, help="classes to measure (the full set is 200)")
    parser.add_argument("--total-classes", type=int, default=200, help="classes to extrapolate to")
    parser.add_argument("--videos", type=int, default=5500, help="videos per class")
    parser.add_argument("--dim", type=int, default=1280, help="feature dimension")
    parser.add_argument("--block-rows", type=int, default=BLOCK_ROWS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, help="markdown file to write the results section into")
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", *sys.argv])

    rng = np.random.default_rng(args.seed)
    blocked_times, baseline_times, gemm_times, duplicates = [], [], [], 0
    started = time.perf_counter()
    for index in range(args.classes):
        x = class_embeddings(rng, videos=args.videos, dim=args.dim)
        if index == 0:
            reference = find_duplicates_brute_force(features=x, ids=range(len(x)))
            result = blocked(x, DUPLICATE_THRESHOLD, args.block_rows)
            assert np.array_equal(result.representative, reference.representative), "blocked != brute force"
            memory = {
                "blocked": peak_megabytes(lambda x=x: blocked(x, DUPLICATE_THRESHOLD, args.block_rows)),
                "baseline": peak_megabytes(lambda x=x: baseline(x, DUPLICATE_THRESHOLD)),
            }
        order = [("blocked", blocked_times), ("baseline", baseline_times), ("gemm", gemm_times)]
        for name, times in order[index % 3 :] + order[: index % 3]:  # rotate who goes first
            tick = time.perf_counter()
            if name == "blocked":
                duplicates += int((~blocked(x, DUPLICATE_THRESHOLD, args.block_rows).kept).sum())
            elif name == "baseline":
                baseline(x, DUPLICATE_THRESHOLD)
            else:
                baseline_gemm(x, DUPLICATE_THRESHOLD)
            times.append(time.perf_counter() - tick)
        print(
            f"class {index + 1}/{args.classes}: blocked {blocked_times[-1]:.3f} s,"
            f" baseline {baseline_times[-1]:.3f} s, baseline on a copy {gemm_times[-1]:.3f} s"
        )
    wall = time.perf_counter() - started

    columns = {"blocked": blocked_times, "baseline": baseline_times, "gemm": gemm_times}
    totals = {name: sum(times) for name, times in columns.items()}
    scale = args.total_classes / args.classes
    memory["gemm"] = memory["baseline"] + args.videos * args.dim * 4 / 2**20  # plus the copy of X

    def row(label: str, cell) -> str:
        return f"| {label} | " + " | ".join(cell(name) for name in columns) + " |"

    full_run = (
        ""
        if args.classes == args.total_classes
        else (
            f"{args.classes} of {args.total_classes} classes measured and the totals extrapolated"
            " (every class is the same size, so time scales linearly); "
        )
    )
    body = "\n".join(
        [
            SECTION_TITLE,
            "",
            f"Command (from the repository root, {time.strftime('%Y-%m-%d')}):",
            "",
            "```",
            command,
            "```",
            "",
            f"{full_run}each class has {args.videos} random unit {args.dim}-d float32 embeddings with 1% planted"
            f" near-duplicates (cosine 0.97); γ = {DUPLICATE_THRESHOLD}, block_rows = {args.block_rows}."
            f" Machine: {os.cpu_count()} CPUs ({cpu_name()}), numpy {np.__version__} (OpenBLAS), Python"
            f" {platform.python_version()}. The machine was shared with other jobs during the run, so per-class"
            " times vary; the three variants take turns going first within each class so load hits them alike.",
            "",
            "| | blocked `find_duplicates` (components included) | baseline: `X @ X.T` (numpy → syrk)"
            " | baseline on a copy: `X @ Y.T` (GEMM) |",
            "|---|---|---|---|",
            row("median per class", lambda name: f"{statistics.median(columns[name]):.3f} s"),
            row("min per class", lambda name: f"{min(columns[name]):.3f} s"),
            row(f"total, {args.classes} classes", lambda name: f"{totals[name]:.1f} s"),
            row(
                f"{'extrapolated to ' if scale != 1 else ''}{args.total_classes} classes",
                lambda name: f"{totals[name] * scale / 60:.1f} min",
            ),
            row("peak traced memory, one class", lambda name: f"{memory[name]:.0f} MB"),
            "",
            f"Time ratio baseline / blocked: **{totals['baseline'] / totals['blocked']:.2f}×**;"
            f" baseline on a copy / blocked: **{totals['gemm'] / totals['blocked']:.2f}×**."
            f" Duplicates found by the blocked search: {duplicates / args.classes:.0f} per class"
            f" (planted: {args.videos // 100}); on the first class its representatives were identical to the"
            " brute-force reference's.",
            "",
            "Reading: the blocked search multiplies only the upper triangle, by row blocks, so it does about half"
            " the multiply-adds of a general N×N product. numpy already spots `X @ X.T` and calls BLAS syrk,"
            " which also computes one triangle, so the blocked search saves no arithmetic against that baseline"
            " and no speed-up over it should be expected; the first ratio mostly reflects this shared machine's"
            " load (compare medians and minima). Its gain is memory: `block_rows × N` similarities instead of"
            " N×N (the memory row; at N = 50K a full float32 matrix would take 10 GB, a 1024-row block 200 MB)."
            " The half-triangle saving over a general product shows in the third column (the same N×N product"
            " through GEMM).",
            f"Wall time of the run: {wall:.0f} s.",
            "",
        ]
    )
    print()
    print(body)
    if args.write:
        write_section(args.write, body)
        print(f"written to {args.write}")


if __name__ == "__main__":
    main()
