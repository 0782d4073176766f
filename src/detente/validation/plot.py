"""The plot of error distributions written by ``detente validate --plot FILE.png``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import DetenteError
from detente.files import write_atomic_with


def plot_errors(predictions: pd.DataFrame, path: str | Path, *, title: str = "") -> Path:
    """Write a PNG with the absolute errors of each model: a box per model (the mean as a
    dot), models ordered by mean absolute error, best at the top, and beside it the
    cumulative share of issues forecast within each error.

    ``predictions`` is the frame of :func:`detente.validation.predictions_frame`. The file is
    written through a temporary name, so a failure leaves nothing behind.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    p = Path(path)
    if p.suffix.lower() != ".png":
        raise DetenteError(f"{p}: the plot is written as PNG; give a .png file name")
    if not p.parent.is_dir():
        raise DetenteError(f"{p}: the folder {p.parent} does not exist")
    df = predictions.dropna(subset=["abs_error"])
    if df.empty:
        raise DetenteError("no forecasts to plot")
    order = df.groupby("model", sort=False)["abs_error"].mean().sort_values()
    names = list(order.index)
    data = [df.loc[df["model"] == n, "abs_error"].to_numpy() for n in names]
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(11, 0.45 * len(names) + 2.2), gridspec_kw={"width_ratios": [3, 2]}
    )
    ypos = np.arange(len(names))[::-1]
    major, minor = (int(v) for v in matplotlib.__version__.split(".")[:2])
    horizontal = {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}
    ax.boxplot(
        data,
        positions=ypos,
        widths=0.6,
        showfliers=True,
        **horizontal,
        flierprops={"markersize": 3, "alpha": 0.5},
    )
    ax.plot(order.to_numpy(), ypos, "o", color="#c0392b", label="mean")
    ax.set_yticks(ypos)
    ax.set_yticklabels([f"{n} ({m:.1f})" for n, m in zip(names, order.to_numpy())])
    ax.set_xlabel("absolute error (points on the issue scale)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    grid = np.linspace(0, max(100.0, float(df["abs_error"].max())), 201)
    for n, e in zip(names, data):
        ax2.plot(grid, (e[None, :] <= grid[:, None]).mean(axis=1), label=n, lw=1.2)
    ax2.set_xlabel("absolute error at most")
    ax2.set_ylabel("share of issues")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    try:
        write_atomic_with(p, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
    return p
