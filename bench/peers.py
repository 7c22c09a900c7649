#!/usr/bin/env python3
"""The peers of ebm's RBM benchmark, timed on the same data and settings in the same run.

- scikit-learn's BernoulliRBM (n_iter=1) with float32 and with float64 input;
- a plain NumPy CD-1 epoch in float32 (the textbook loop, five GEMMs per minibatch);
- a NumPy Langevin step on the same swish MLP energies as ebm-bench (2 → 128 → 128 → 1 and
  196 → 256 → 256 → 1, 1000 chains, float32): forward pass, reverse-mode ∇ₓE, update;
- a NumPy denoising-score-matching step and langevin-ml iteration (hand-written reverse mode, Adam);
- PyTorch (CPU, when installed; 2 threads): the same Langevin steps with autograd for ∇ₓE, the
  same DSM step and langevin-ml iteration as a PyTorch user writes them (nn.Sequential, SiLU,
  torch.optim.Adam), float32;
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


CPU_MS = {}


def best_rate(run, count, trials=5, cpu_key=None):
    """Best of `trials` runs of `run()` (each `count` units of work), in units per second: on a
    shared machine the best trial is the one that had the cores (ebm-bench does the same). With
    `cpu_key`, the process's CPU milliseconds per unit over all trials go to CPU_MS[cpu_key]."""
    best = 0.0
    cpu = time.process_time()
    for _ in range(trials):
        start = time.perf_counter()
        run()
        best = max(best, count / (time.perf_counter() - start))
    if cpu_key:
        CPU_MS[cpu_key] = (time.process_time() - cpu) / (trials * count) * 1e3
    return best


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

    state = [step(x)]

    def run():
        for _ in range(steps // 5):
            state[0] = step(state[0])

    return best_rate(run, steps // 5, cpu_key=f"numpy_langevin_{'2d' if dims[0] == 2 else 'image'}")


def numpy_blas():
    """The kernels and threads of NumPy's own OpenBLAS (read through ctypes)."""
    import ctypes, glob
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))
    try:
        lib = ctypes.CDLL(libs[0])
        lib.scipy_openblas_get_corename64_.restype = ctypes.c_char_p
        return lib.scipy_openblas_get_corename64_().decode(), lib.scipy_openblas_get_num_threads64_()
    except (IndexError, OSError, AttributeError):
        return "unknown", os.cpu_count()


def ring_data(n, seed=1):
    """8 Gaussians (σ = 0.1) on a circle of radius 2, as ebm's plane_data("ring")."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 8, n)
    angle = 2 * np.pi * k / 8
    return (np.stack([2 * np.cos(angle), 2 * np.sin(angle)], 1) + 0.1 * rng.standard_normal((n, 2))).astype(np.float32)


SIGMAS = (2 * (0.05 / 2) ** (np.arange(10) / 9)).astype(np.float32)   # ladder(2, 0.05, 10)


class NumpyMLP:
    """A swish MLP with hand-written reverse mode for parameters and inputs, and Adam."""

    def __init__(self, dims, rng, beta1=0.9, lr=0.002):
        self.W = [(rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32) for i, o in zip(dims[:-1], dims[1:])]
        self.b = [np.zeros(o, np.float32) for o in dims[1:]]
        self.m = [np.zeros_like(p) for p in self.W + self.b]
        self.v = [np.zeros_like(p) for p in self.W + self.b]
        self.t, self.beta1, self.lr = 0, beta1, lr

    def forward(self, x):
        acts, ders = [x], []
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = acts[-1] @ W.T + b
            if l < len(self.W) - 1:
                s = 1 / (1 + np.exp(-z))
                ders.append(s + z * s * (1 - s))
                z = z * s
            acts.append(z)
        return acts, ders

    def backward(self, acts, ders, g):
        gW, gb = [None] * len(self.W), [None] * len(self.W)
        for l in range(len(self.W) - 1, -1, -1):
            gW[l] = g.T @ acts[l]
            gb[l] = g.sum(0)
            if l > 0:
                g = (g @ self.W[l]) * ders[l - 1]
        return gW + gb

    def adam(self, grads, beta2=0.999, eps=1e-8):
        self.t += 1
        params = self.W + self.b
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.beta1; m += (1 - self.beta1) * g
            v *= beta2; v += (1 - beta2) * g * g
            p -= self.lr * (m / (1 - self.beta1 ** self.t)) / (np.sqrt(v / (1 - beta2 ** self.t)) + eps)


def numpy_dsm_step_seconds(iterations=300, batch=128, seed=1):
    rng = np.random.default_rng(seed)
    data = ring_data(10_000)
    net = NumpyMLP([3, 128, 128, 2], rng)

    def step():
        x = data[rng.integers(0, len(data), batch)]
        sigma = SIGMAS[rng.integers(0, len(SIGMAS), batch)][:, None]
        z = rng.standard_normal(x.shape, dtype=np.float32)
        inp = np.concatenate([x + sigma * z, np.log(sigma)], 1)
        acts, ders = net.forward(inp)
        u = acts[-1] + z
        net.adam(net.backward(acts, ders, u / batch))

    for _ in range(20):
        step()
    return 1 / best_rate(lambda: [step() for _ in range(iterations // 5)], iterations // 5)


def numpy_langevin_ml_iteration_seconds(iterations=30, batch=128, steps=30, eps=0.005, alpha=0.1, seed=1):
    rng = np.random.default_rng(seed)
    data = ring_data(10_000)
    net = NumpyMLP([2, 128, 128, 1], rng, beta1=0.0)
    low, high = data.min(0) - 0.5, data.max(0) + 0.5
    buffer = rng.uniform(low, high, (10_000, 2)).astype(np.float32)

    def iteration():
        pos = data[rng.integers(0, len(data), batch)]
        idx = rng.integers(0, len(buffer), batch)
        x = buffer[idx].copy()
        fresh = rng.random(batch) > 0.95
        x[fresh] = rng.uniform(low, high, (fresh.sum(), 2))
        for _ in range(steps):
            acts, ders = net.forward(x)
            g = np.ones((batch, 1), np.float32)
            for l in range(len(net.W) - 1, -1, -1):
                g = g @ net.W[l]
                if l > 0:
                    g = g * ders[l - 1]
            x = x - eps / 2 * g + np.sqrt(eps) * rng.standard_normal(x.shape, dtype=np.float32)
        buffer[idx] = x
        both = np.concatenate([pos, x])
        acts, ders = net.forward(both)
        e = acts[-1][:, 0]
        w = np.concatenate([(1 + 2 * alpha * e[:batch]) / batch, -(1 - 2 * alpha * e[batch:]) / batch])[:, None]
        grads = net.backward(acts, ders, w.astype(np.float32))
        norm = np.sqrt(sum(float((g * g).sum()) for g in grads))
        if norm > 1:
            grads = [g / norm for g in grads]
        net.adam(grads)

    for _ in range(3):
        iteration()
    return 1 / best_rate(lambda: [iteration() for _ in range(iterations // 5)], iterations // 5)


def torch_peers(threads=2):
    """PyTorch on the CPU: Langevin with autograd for ∇ₓE, a DSM step, a langevin-ml iteration."""
    try:
        import torch
    except ImportError:
        print("torch_missing 1")
        return
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print("torch_version", torch.__version__)
    print("torch_threads", torch.get_num_threads())

    def mlp(dims):
        layers = []
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            layers.append(torch.nn.Linear(a, b))
            if i < len(dims) - 2:
                layers.append(torch.nn.SiLU())
        return torch.nn.Sequential(*layers)

    def langevin(net, x, steps, eps):
        for _ in range(steps):
            x = x.detach().requires_grad_(True)
            g, = torch.autograd.grad(net(x).sum(), x)
            x = x - eps / 2 * g + eps ** 0.5 * torch.randn_like(x)
        return x.detach()

    for name, dims, steps in (("2d", [2, 128, 128, 1], 400), ("image", [196, 256, 256, 1], 100)):
        net = mlp(dims)
        x = torch.full((1000, dims[0]), 0.1)
        langevin(net, x, 10, 0.01)
        print(f"torch_langevin_{name}_steps_per_second",
              best_rate(lambda: langevin(net, x, steps // 5, 0.01), steps // 5, cpu_key=f"torch_langevin_{name}"))
        print(f"torch_langevin_{name}_cpu_ms_per_step", CPU_MS[f"torch_langevin_{name}"])

    data = torch.from_numpy(ring_data(10_000))
    sigmas = torch.from_numpy(SIGMAS)
    net = mlp([3, 128, 128, 2])
    opt = torch.optim.Adam(net.parameters(), lr=0.002)

    def dsm_step(batch=128):
        x = data[torch.randint(0, len(data), (batch,))]
        sigma = sigmas[torch.randint(0, len(sigmas), (batch,))][:, None]
        z = torch.randn_like(x)
        f = net(torch.cat([x + sigma * z, sigma.log()], 1))
        loss = 0.5 * ((f + z) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(20):
        dsm_step()
    print("torch_dsm_step_seconds", 1 / best_rate(lambda: [dsm_step() for _ in range(60)], 60))

    energy = mlp([2, 128, 128, 1])
    opt = torch.optim.Adam(energy.parameters(), lr=0.002, betas=(0.0, 0.999))
    low, high = data.min(0).values - 0.5, data.max(0).values + 0.5
    buffer = low + (high - low) * torch.rand(10_000, 2)

    def ml_iteration(batch=128, steps=30, eps=0.005, alpha=0.1):
        pos = data[torch.randint(0, len(data), (batch,))]
        idx = torch.randint(0, len(buffer), (batch,))
        x = buffer[idx].clone()
        fresh = torch.rand(batch) > 0.95
        x[fresh] = low + (high - low) * torch.rand(int(fresh.sum()), 2)
        for p in energy.parameters():
            p.requires_grad_(False)
        x = langevin(energy, x, steps, eps)
        for p in energy.parameters():
            p.requires_grad_(True)
        buffer[idx] = x
        e_pos, e_neg = energy(pos), energy(x)
        loss = e_pos.mean() - e_neg.mean() + alpha * (e_pos ** 2 + e_neg ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(energy.parameters(), 1.0)
        opt.step()

    for _ in range(3):
        ml_iteration()
    print("torch_langevin_ml_iteration_seconds", 1 / best_rate(lambda: [ml_iteration() for _ in range(8)], 8))


def continuous_peers():
    """Langevin, DSM and langevin-ml in NumPy, then in PyTorch when it is installed."""
    print("numpy_langevin_2d_steps_per_second", numpy_langevin_steps_per_second([2, 128, 128, 1], 1000, 400))
    print("numpy_langevin_image_steps_per_second", numpy_langevin_steps_per_second([196, 256, 256, 1], 1000, 100))
    for name in ("2d", "image"):
        print(f"numpy_langevin_{name}_cpu_ms_per_step", CPU_MS[f"numpy_langevin_{name}"])
    print("numpy_dsm_step_seconds", numpy_dsm_step_seconds())
    print("numpy_langevin_ml_iteration_seconds", numpy_langevin_ml_iteration_seconds())
    sys.stdout.flush()
    torch_peers()
    sys.stdout.flush()


def main():
    data_dir, ebm_dir = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "all"   # all, continuous or rbm, as ebm-bench
    core, threads = numpy_blas()
    print("numpy_blas_core", core)
    print("numpy_threads", threads)
    if mode != "rbm":
        continuous_peers()
    if mode == "continuous":
        return
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
