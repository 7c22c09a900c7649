#!/usr/bin/env python3
"""Independent NumPy check of a DBN exported by ebm's export_npy (issue 11, "Done when").

Reads FOLDER/layer1, FOLDER/layer2, ... (W.npy upper x lower, b.npy upper units, c.npy lower
units, and R.npy/r.npy where up-down untied the recognition weights), enumerates every state of
every hidden level in float64, and prints the exact mean log-likelihood and the exact bound (13.3)
of 003 section 13.3 on bars and stripes:

    p(h^(L-1)) = sum_{h^(L)} exp(h^(L)' W h^(L-1) + c' h^(L-1) + b' h^(L)) / Z      (top RBM)
    P(h^(l-1) = 1 | h^(l)) = sigmoid(c^(l) + W^(l)' h^(l))                          (belief net)
    ELBO(x) = sum_h q(h|x) [log p(h) + log P(x|h)] - sum_h q(h|x) log q(h|x),  q = sigmoid(b + W x)

Usage: dbn_check.py FOLDER N [--loglik X] [--elbo Y] [--tol T]
With --loglik/--elbo it exits 1 unless both agree with ebm's numbers within T (default 1e-5).
Shares no code with ebm: only the file layout and the definitions.
"""
import argparse
import os
import sys

import numpy as np


def bars_and_stripes(n):
    rows = []
    for horizontal in (True, False):
        for pattern in range(1 << n):
            img = np.zeros((n, n))
            for line in range(n):
                if (pattern >> (n - 1 - line)) & 1:
                    if horizontal:
                        img[line, :] = 1
                    else:
                        img[:, line] = 1
            rows.append(img.reshape(-1))
    return np.array(rows)


def states(n):
    idx = np.arange(1 << n)
    return ((idx[:, None] >> np.arange(n)[None, :]) & 1).astype(np.float64)


def softplus(z):
    return np.logaddexp(0.0, z)


def logsumexp(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


def load(folder):
    layers = []
    l = 1
    while os.path.isdir(os.path.join(folder, f"layer{l}")):
        d = os.path.join(folder, f"layer{l}")
        layer = {k: np.load(os.path.join(d, f"{k}.npy")).astype(np.float64) for k in ("W", "b", "c")}
        if os.path.exists(os.path.join(d, "R.npy")):
            layer["R"] = np.load(os.path.join(d, "R.npy")).astype(np.float64)
            layer["r"] = np.load(os.path.join(d, "r.npy")).astype(np.float64)
        layers.append(layer)
        l += 1
    if not layers:
        sys.exit(f"no layer1 folder in {folder}")
    return layers


def log_conditional(lower, upper, layer):
    """log P(lower | upper) for every pair: lower (m x a), upper (k x b) -> m x k."""
    z = upper @ layer["W"] + layer["c"]              # k x a
    return lower @ z.T - softplus(z).sum(axis=1)[None, :]


def log_prior_level1(layers):
    """log p(h^(1)) over all states (for one layer: the RBM's marginal of its hidden units)."""
    top = layers[-1]
    if len(layers) == 1:
        H = states(top["W"].shape[0])
        u = H @ top["b"] + softplus(H @ top["W"] + top["c"]).sum(axis=1)
    else:
        V = states(top["W"].shape[1])
        u = V @ top["c"] + softplus(V @ top["W"].T + top["b"]).sum(axis=1)
    table = u - logsumexp(u, axis=0)
    for l in range(len(layers) - 2, 0, -1):          # down the belief net to level 1
        layer = layers[l]
        lower = states(layer["W"].shape[1])
        upper = states(layer["W"].shape[0])
        table = logsumexp(log_conditional(lower, upper, layer) + table[None, :], axis=1)
    return table


def check(layers, X):
    prior = log_prior_level1(layers)
    first = layers[0]
    H = states(first["W"].shape[0])
    logjoint = log_conditional(X, H, first) + prior[None, :]         # n x 2^n1
    loglik = logsumexp(logjoint, axis=1)
    R, r = first.get("R", first["W"]), first.get("r", first["b"])
    a = X @ R.T + r                                                    # logits of q
    logq = H @ a.T - softplus(a).sum(axis=1)[None, :]                  # 2^n1 x n
    q = np.exp(logq).T
    elbo = (q * logjoint).sum(axis=1) - (q * logq.T).sum(axis=1)
    return loglik.mean(), elbo.mean()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder")
    p.add_argument("n", type=int, help="bars and stripes on an n x n grid")
    p.add_argument("--loglik", type=float)
    p.add_argument("--elbo", type=float)
    p.add_argument("--tol", type=float, default=1e-5)
    args = p.parse_args()
    layers = load(args.folder)
    loglik, elbo = check(layers, bars_and_stripes(args.n))
    print(f"numpy: {len(layers)} layers, log p(x) = {loglik:.6f}, ELBO = {elbo:.6f}, gap = {loglik - elbo:.6f}")
    ok = True
    for name, mine, theirs in (("loglik", loglik, args.loglik), ("elbo", elbo, args.elbo)):
        if theirs is not None and abs(mine - theirs) > args.tol:
            print(f"MISMATCH {name}: numpy {mine:.9f}, ebm {theirs:.9f}")
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
