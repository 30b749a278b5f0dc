"""Pictures of a run: the learning curves and the misclassified test images (PNG files).

Figures are made with ``matplotlib.figure.Figure`` rather than pyplot, so that saving a picture
needs no display and leaves the caller's backend alone (a notebook keeps its inline plots).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from matplotlib.figure import Figure

from scratch._types import Array
from scratch.model import History


def plot_history(history: History, path: str | os.PathLike[str], title: str = "") -> None:
    """Loss (left) and accuracy (right) per epoch, training and (if any) dev, saved to ``path``."""
    figure = Figure(figsize=(10, 4))
    loss_axes, acc_axes = figure.subplots(1, 2)
    for axes, train, dev, label in (
        (loss_axes, history.train_loss, history.dev_loss, "cross-entropy"),
        (acc_axes, history.train_acc, history.dev_acc, "accuracy"),
    ):
        axes.plot(history.epoch, train, marker=".", label="train")
        if dev:
            axes.plot(history.epoch, dev, marker=".", label="dev")
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
        axes.legend()
    loss_axes.set_yscale("log")
    loss_axes.set_title("loss")
    acc_axes.set_title("accuracy")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def plot_misclassified(
    images: Array,
    true_labels: Array,
    predicted: Array,
    classes: Sequence[str],
    path: str | os.PathLike[str],
    max_images: int = 40,
    title: str = "",
) -> None:
    """A grid of the first ``max_images`` images ``(m, h, w)`` whose ``predicted`` label differs
    from ``true_labels``, each captioned with both, saved to ``path``."""
    wrong = [int(j) for j in range(len(true_labels)) if true_labels[j] != predicted[j]]
    shown = wrong[:max_images]
    columns = min(10, max(len(shown), 1))
    rows = max(math.ceil(len(shown) / columns), 1)
    figure = Figure(figsize=(1.3 * columns + 0.4, 1.5 * rows + 0.6))
    axes_grid = figure.subplots(rows, columns, squeeze=False)
    for axes in axes_grid.flat:
        axes.axis("off")
    for axes, j in zip(axes_grid.flat, shown, strict=False):
        axes.imshow(images[j], cmap="gray_r", interpolation="nearest")
        axes.set_title(f"true {classes[true_labels[j]]}\npred {classes[predicted[j]]}", fontsize=8)
    if not shown:
        axes_grid[0, 0].text(0.5, 0.5, "no misclassified images", ha="center", va="center")
    heading = f"{len(wrong)} of {len(true_labels)} test images misclassified"
    if len(wrong) > len(shown):
        heading += f" (first {len(shown)} shown)"
    figure.suptitle(f"{title}: {heading}" if title else heading, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
