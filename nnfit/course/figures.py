"""Figures of a fitted MNIST network (matplotlib, written as PNG files).

- learning curves: training objective and validation loss and error per epoch (ISLR Fig. 10.18);
- misclassified test digits with their true and predicted labels;
- the first hidden layer's weights W_1[:, k] shown as 28 x 28 images, one per unit k.
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .._files import atomic_write  # noqa: E402


def learning_curves(histories, path):
    """``histories`` maps a row title to the estimator's ``history_``."""
    fig, (ax_loss, ax_err) = plt.subplots(1, 2, figsize=(11, 4))
    for (title, history), colour in zip(histories.items(), plt.cm.tab10.colors):
        epochs = history["epoch"]
        ax_loss.plot(epochs, history["train_objective"], color=colour, ls="--", label=f"{title}: training objective")
        if "val_loss" in history:
            ax_loss.plot(epochs, history["val_loss"], color=colour, label=f"{title}: validation")
            ax_err.plot(epochs, 100 * (1 - np.asarray(history["val_score"])), color=colour, label=title)
    ax_loss.xaxis.get_major_locator().set_params(integer=True)
    ax_err.xaxis.get_major_locator().set_params(integer=True)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (training: + penalty)", yscale="log", title="Loss")
    ax_err.set(xlabel="epoch", ylabel="validation error (%)", title="Validation error")
    ax_loss.legend(fontsize=7)
    ax_err.legend(fontsize=7)
    fig.tight_layout()
    with atomic_write(path) as file:  # a reader never sees half a picture
        fig.savefig(file, format="png", dpi=110)
    plt.close(fig)


def misclassified(X, y_true, y_pred, path, n=40):
    wrong = np.flatnonzero(y_true != y_pred)[:n]
    cols = 10
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.3), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(X[i].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{y_true[i]} → {y_pred[i]}", fontsize=8)
    fig.suptitle("Misclassified test digits (true → predicted)", fontsize=10)
    fig.tight_layout()
    with atomic_write(path) as file:  # a reader never sees half a picture
        fig.savefig(file, format="png", dpi=110)
    plt.close(fig)


def first_layer_weights(W, path, n=64):
    """Columns of W_1 (784, K) as 28 x 28 images, each on its own symmetric colour scale."""
    n = min(n, W.shape[1])
    cols = 16 if n > 16 else n
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.8, rows * 0.8), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for k, ax in zip(range(n), axes.ravel()):
        w = W[:, k].reshape(28, 28)
        limit = np.abs(w).max() or 1.0
        ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.suptitle("First hidden layer: weights of the first units (red +, blue -)", fontsize=10)
    fig.tight_layout()
    with atomic_write(path) as file:  # a reader never sees half a picture
        fig.savefig(file, format="png", dpi=110)
    plt.close(fig)
