r"""Real image data for the kernel and random-features experiments (paper §4, App. D.2–D.3; see docs/theory/results.md), offline.

Two sources, neither needs a network:

* the default, scikit-learn's bundled 8×8 digits (``sklearn.datasets.load_digits``: 1 797 images, pixels
  0..16, shipped inside the package; scikit-learn is the optional extra ``data``);
* a local MNIST-style ``.npz`` file with two arrays, ``images`` (shape ``(N, h, w)`` or ``(N, p)``,
  numeric) and ``labels`` (shape ``(N,)``, integers).

Pixel convention (stated once, used everywhere): every image is flattened to a vector of ``p`` pixels and
divided by the largest pixel value of the whole data set, so pixels lie in :math:`[0, 1]` (digits: 16,
MNIST ``uint8``: 255). Kernel bandwidths (:mod:`symcollapse.simulate.kernel_ridge`) refer to this scaling.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symcollapse.spec import SpecError

__all__ = ["Dataset", "load_dataset"]


@dataclass(frozen=True)
class Dataset:
    """Images as rows of ``X`` (float64, pixels in [0, 1]) with integer ``labels``; ``source`` names the origin."""

    X: np.ndarray
    labels: np.ndarray
    source: str

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_pixels(self) -> int:
        return int(self.X.shape[1])


def _scale(images: np.ndarray) -> np.ndarray:
    X = images.reshape(images.shape[0], -1).astype(np.float64)
    top = float(X.max()) if X.size else 0.0
    # Dividing by the data set's maximum keeps 0 at 0 and maps uint8 MNIST (255) and digits (16) alike.
    return X / top if top > 0 else X


def _load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.exists():
        raise SpecError(f"--data: file {str(path)!r} does not exist (expected an .npz with arrays 'images', 'labels')")
    if path.is_dir():
        raise SpecError(f"--data: {str(path)!r} is a directory, expected an .npz file")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise SpecError(f"--data: {str(path)!r} is not a readable .npz file ({exc})") from None
    if not hasattr(archive, "files"):
        raise SpecError(f"--data: {str(path)!r} holds a single array, expected an .npz with arrays 'images', 'labels'")
    with archive:
        missing = [k for k in ("images", "labels") if k not in archive.files]
        if missing:
            raise SpecError(
                f"--data: {str(path)!r} lacks the array(s) {missing}; it has {sorted(archive.files)} "
                "(expected 'images' of shape (N, h, w) or (N, p) and 'labels' of shape (N,))"
            )
        images, labels = archive["images"], archive["labels"]
    if images.ndim not in (2, 3):
        raise SpecError(f"--data: 'images' must have shape (N, h, w) or (N, p), got shape {images.shape}")
    if labels.ndim != 1:
        raise SpecError(f"--data: 'labels' must have shape (N,), got shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise SpecError(
            f"--data: 'images' has {images.shape[0]} entries but 'labels' has {labels.shape[0]}; they must match"
        )
    if not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)) or images.dtype == bool:
        raise SpecError(f"--data: 'images' must be integer or floating point, got dtype {images.dtype}")
    if not np.issubdtype(labels.dtype, np.integer):
        if np.issubdtype(labels.dtype, np.floating) and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise SpecError(f"--data: 'labels' must be integers (class digits), got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise SpecError(f"--data: 'labels' must be non-negative class indices, found {int(labels.min())}")
    if images.shape[0] < 10:
        raise SpecError(f"--data: need at least 10 images, got {images.shape[0]}")
    if np.issubdtype(images.dtype, np.floating) and not np.all(np.isfinite(images)):
        raise SpecError("--data: 'images' contains NaN or infinite values")
    if images.min() < 0:
        raise SpecError(f"--data: pixels must be non-negative, found {images.min()!r}")
    return images, labels.astype(np.int64)


def load_dataset(path: str | Path | None = None, max_samples: int | None = None, seed: int = 0) -> Dataset:
    """Load the bundled digits (``path=None``) or a local ``.npz``; pixels scaled to [0, 1].

    Parameters
    ----------
    path : str or Path, optional
        MNIST-style ``.npz`` with ``images`` and ``labels``. ``None`` loads scikit-learn's 8×8 digits.
    max_samples : int, optional
        Keep a random subset of this many images (seeded by ``seed``); kernel experiments hold an
        :math:`N \\times N` Gram matrix, so full MNIST (70 000 images) must be subsampled.
    seed : int
        Seed of the subsample.

    Raises
    ------
    SpecError
        Missing file, missing arrays, wrong shapes or dtypes, image/label count mismatch, or scikit-learn
        missing for the default data set.
    """
    if path is None:
        try:
            from sklearn.datasets import load_digits  # noqa: PLC0415 (optional extra "data")
        except ImportError:  # pragma: no cover - depends on the environment
            raise SpecError(
                "the bundled digits data set needs scikit-learn (pip install 'symcollapse[data]'), "
                "or pass --data PATH to a local .npz with arrays 'images' and 'labels'"
            ) from None
        bunch = load_digits()
        images, labels, source = bunch.images, bunch.target.astype(np.int64), "sklearn-digits-8x8"
    else:
        images, labels = _load_npz(Path(path))
        source = f"npz:{Path(path).name}"
    if max_samples is not None:
        if int(max_samples) < 10:
            raise SpecError(f"max_samples must be >= 10, got {max_samples}")
        if images.shape[0] > max_samples:
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xDA7A]))
            keep = np.sort(rng.choice(images.shape[0], size=int(max_samples), replace=False))
            images, labels = images[keep], labels[keep]
    X = _scale(np.asarray(images))
    X.setflags(write=False)
    labels = np.asarray(labels, dtype=np.int64)
    labels.setflags(write=False)
    return Dataset(X=X, labels=labels, source=source)
