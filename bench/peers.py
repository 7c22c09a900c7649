#!/usr/bin/env python3
"""The peers of ebm's RBM benchmark, timed on the same data and settings in the same run.

- scikit-learn's BernoulliRBM (n_iter=1) with float32 and with float64 input;
- a plain NumPy CD-1 epoch in float32 (the textbook loop, five GEMMs per minibatch);
- a NumPy Langevin step on the same swish MLP energies as ebm-bench (2 → 128 → 128 → 1 and
  196 → 256 → 256 → 1, 1000 chains, float32): forward pass, reverse-mode ∇ₓE, update;
- the mean pseudo-log-likelihood of each trained model on the first 10,000 test images, with
  scikit-learn's estimator (one random bit flipped per image, scaled by the number of pixels)
  and THE SAME flipped bits for every model, ebm's included (read from its exported .npy files).

Prints one `key value` line per measurement, for bench/run to read.
Usage: peers.py DATA_DIR EBM_MODEL_DIR
"""
import gzip
import os
import sys
import time

import numpy as np


def load_idx_images(path, limit=None):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    return x[:limit] if limit else x


def softplus(x):
    return np.logaddexp(0, x)


def free_energy(x, W, b, c):
    """F(x) = cᵀx + Σⱼ softplus(bⱼ + Wⱼx) in 003's sign (p(x) ∝ exp F(x)); W is hidden × visible."""
    return x @ c + softplus(x @ W.T + b).sum(axis=1)


def pseudo_log_likelihood(x, W, b, c, flips):
    """scikit-learn's estimator: D · log σ(F(x) − F(x̃)), x̃ = x with bit flips[i] flipped."""
    x = x.astype(np.float64)
    x_flipped = x.copy()
    rows = np.arange(x.shape[0])
    x_flipped[rows, flips] = 1 - x_flipped[rows, flips]
    delta = free_energy(x, W, b, c) - free_energy(x_flipped, W, b, c)
    return float(np.mean(x.shape[1] * -np.logaddexp(0, -delta)))


def numpy_cd1_epoch(X, hidden, batch, lr, seed):
    rng = np.random.default_rng(seed)
    n, d = X.shape
    W = (rng.standard_normal((hidden, d)) * 0.01).astype(np.float32)
    b = np.zeros(hidden, np.float32)
    c = np.zeros(d, np.float32)
    sig = lambda z: 1 / (1 + np.exp(-z))
    start = time.perf_counter()
    for i in range(0, n, batch):
        v0 = X[i:i + batch]
        ph0 = sig(v0 @ W.T + b)
        h0 = (rng.random(ph0.shape, dtype=np.float32) < ph0).astype(np.float32)
        pv1 = sig(h0 @ W + c)
        v1 = (rng.random(pv1.shape, dtype=np.float32) < pv1).astype(np.float32)
        ph1 = sig(v1 @ W.T + b)
        m = v0.shape[0]
        W += lr / m * (ph0.T @ v0 - ph1.T @ v1)
        b += lr / m * (ph0.sum(0) - ph1.sum(0))
        c += lr / m * (v0.sum(0) - v1.sum(0))
    return time.perf_counter() - start


def numpy_langevin_steps_per_second(dims, chains, steps, seed=1):
    """x ← x − (ε/2)∇ₓE(x) + √ε z on E = swish MLP, ∇ₓE by hand-written reverse mode."""
    rng = np.random.default_rng(seed)
    Ws = [(rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32) for i, o in zip(dims[:-1], dims[1:])]
    bs = [np.zeros(o, np.float32) for o in dims[1:]]
    x = np.full((chains, dims[0]), 0.1, np.float32)
    eps = np.float32(0.01)

    def step(x):
        acts, pres = [x], []
        for l, (W, b) in enumerate(zip(Ws, bs)):
            z = acts[-1] @ W.T + b
            if l < len(Ws) - 1:
                pres.append(z)
                acts.append(z / (1 + np.exp(-z)))
        g = np.ones((chains, 1), np.float32)
        for l in range(len(Ws) - 1, -1, -1):
            g = g @ Ws[l]
            if l > 0:
                z = pres[l - 1]
                s = 1 / (1 + np.exp(-z))
                g = g * (s + z * s * (1 - s))
        return x - eps / 2 * g + np.sqrt(eps) * rng.standard_normal(x.shape, dtype=np.float32)

    x = step(x)
    start = time.perf_counter()
    for _ in range(steps):
        x = step(x)
    return steps / (time.perf_counter() - start)


def main():
    data_dir, ebm_dir = sys.argv[1], sys.argv[2]
    print("numpy_langevin_2d_steps_per_second", numpy_langevin_steps_per_second([2, 128, 128, 1], 1000, 400))
    print("numpy_langevin_image_steps_per_second", numpy_langevin_steps_per_second([196, 256, 256, 1], 1000, 100))
    train = (load_idx_images(os.path.join(data_dir, "train-images-idx3-ubyte.gz")) / 255.0 > 0.5)
    test = (load_idx_images(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), 10_000) / 255.0 > 0.5)
    flips = np.random.default_rng(12345).integers(0, test.shape[1], test.shape[0])

    if os.path.exists(os.path.join(ebm_dir, "W.npy")):
        W, b, c = (np.load(os.path.join(ebm_dir, f"{k}.npy")).astype(np.float64) for k in ("W", "b", "c"))
        print("ebm_pll", pseudo_log_likelihood(test, W, b, c, flips))

    print("numpy_cd1_f32_seconds", numpy_cd1_epoch(train.astype(np.float32), 500, 100, 0.1, 0))

    try:
        from sklearn.neural_network import BernoulliRBM
        import sklearn
    except ImportError:
        print("sklearn_missing 1")
        return
    print("sklearn_version", sklearn.__version__)
    for dtype, name in ((np.float32, "f32"), (np.float64, "f64")):
        X = train.astype(dtype)
        rbm = BernoulliRBM(n_components=500, learning_rate=0.1, batch_size=100, n_iter=1, random_state=0)
        start = time.perf_counter()
        rbm.fit(X)
        print(f"sklearn_{name}_seconds", time.perf_counter() - start)
        # scikit-learn's components_ is hidden × visible, intercept_hidden_ = b, intercept_visible_ = c.
        print(f"sklearn_{name}_pll", pseudo_log_likelihood(test, rbm.components_.astype(np.float64),
                                                         rbm.intercept_hidden_, rbm.intercept_visible_, flips))


if __name__ == "__main__":
    main()
