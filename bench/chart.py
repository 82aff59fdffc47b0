"""Draws docs/benchmarks.png from `parlor-bench load --json FILE`: visitor-to-operator latency
(p50, p99) of Parlor and of the bare relay against concurrent dialogs, on log axes.

    python3 -m pip install matplotlib==3.9.2
    python3 bench/chart.py bench-results.json docs/benchmarks.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, out: str) -> None:
    with open(src) as f:
        rows = json.load(f)
    dialogs = [r["dialogs"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for key, label, style in [
        ("parlor_v2o", "Parlor visitor→operator", "-"),
        ("parlor_o2v", "Parlor operator→visitor", "--"),
        ("relay", "bare WebSocket relay", ":"),
    ]:
        ax.plot(dialogs, [r[key][0] for r in rows], style, marker="o", label=f"{label} p50")
        ax.plot(dialogs, [r[key][2] for r in rows], style, marker="^", label=f"{label} p99", alpha=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("concurrent dialogs (a visitor and an operator each writing)")
    ax.set_ylabel("latency, ms")
    ax.set_title("Parlor local gateway: message latency against load")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
