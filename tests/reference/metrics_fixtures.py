"""Reference fixtures for ganvas's metric implementations (FID, KID, PRDC, IS).

Run from the repository root, inside a venv holding tests/reference/requirements.txt:

    python -m venv .venv && .venv/bin/pip install -r tests/reference/requirements.txt
    .venv/bin/python tests/reference/metrics_fixtures.py

It (re)writes, deterministically:

    tests/fixtures/metrics/features.safetensors   float32 feature sets, int64 KID subset indices
    tests/fixtures/metrics/expected.json          reference values + package versions + parameters

CI never runs this script; the Rust tests only read the two fixture files.

Conventions (see DESIGN.md, "Metrics conventions"):
* Features are stored as float32 (what our extractors produce). Every reference computation
  below runs on exactly those float32 values cast to float64.
* FID statistics: mu = row mean, sigma = np.cov(x, rowvar=False) (N-1 normalisation), float64.
* Values coming from a reference package are labelled with that package; values from our own
  numpy mirrors are labelled "numpy_mirror" and checked against the package where possible.
"""

import os

# One BLAS thread: modest CPU use and a fixed summation order (reproducible last bits).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import contextlib
import io
import json
import platform
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import prdc
import pytorch_fid.fid_score
import scipy.linalg
import safetensors.numpy
import torch
import torch_fidelity.metric_isc
import torch_fidelity.metric_kid

torch.set_num_threads(1)

OUT_DIR = Path("tests/fixtures/metrics")
SEED = 20_240_601  # master seed; each case derives its own stream from it
PYTORCH_FID_EPS = 1e-6  # default `eps` of pytorch_fid.fid_score.calculate_frechet_distance
KID_SUBSET_INDEX_SIZE = 200
KID_EXPLICIT_SUBSETS = 3


def pkg(name):
    return {"package": name, "version": version(name)}


# ---------------------------------------------------------------------------------------------
# Data generation
# ---------------------------------------------------------------------------------------------


def rng_for(case):
    """A separate, fixed numpy Generator per case (stable if cases are added or reordered)."""
    return np.random.default_rng([SEED, sum(map(ord, case))])


def gaussian_pair(rng, n_real, n_fake, d, mean_shift, cov_perturbation, fake_scale):
    """Real ~ N(mu, M M^T), fake ~ N(mu + shift, Mf Mf^T): overlapping but different Gaussians.

    M = 0.5 I + G / sqrt(d) (non-diagonal); Mf = fake_scale * M + cov_perturbation * G' / sqrt(d);
    the fake mean is offset by mean_shift * N(0, I). The overlap is chosen so that PRDC values
    are neither 0 nor 1.
    """
    mu = 0.5 * rng.standard_normal(d)
    mix = 0.5 * np.eye(d) + rng.standard_normal((d, d)) / np.sqrt(d)
    mix_fake = fake_scale * mix + cov_perturbation * rng.standard_normal((d, d)) / np.sqrt(d)
    mu_fake = mu + mean_shift * rng.standard_normal(d)
    real = rng.standard_normal((n_real, d)) @ mix.T + mu
    fake = rng.standard_normal((n_fake, d)) @ mix_fake.T + mu_fake
    return real.astype(np.float32), fake.astype(np.float32)


def make_features():
    t = {}
    t["basic.real"], t["basic.fake"] = gaussian_pair(rng_for("basic"), 600, 600, 64, 0.3, 0.5, 0.9)
    t["unequal.real"], t["unequal.fake"] = gaussian_pair(rng_for("unequal"), 500, 300, 32, 0.2, 0.4, 1.2)
    t["rank_deficient.real"], t["rank_deficient.fake"] = gaussian_pair(
        rng_for("rank_deficient"), 40, 50, 64, 0.3, 0.5, 1.1
    )

    t["identical.real"] = t["basic.real"].copy()
    t["identical.fake"] = t["basic.real"].copy()

    # IS logits: each sample has a "true" class drawn from a non-uniform prior; its logit is
    # boosted by a per-sample confidence, plus Gaussian noise on every class.
    r = rng_for("isc")
    n, c = 1000, 10
    prior = np.linspace(1.0, 3.0, c)
    prior /= prior.sum()
    label = r.choice(c, size=n, p=prior)
    confidence = r.uniform(0.5, 5.0, size=n)
    logits = r.standard_normal((n, c))
    logits[np.arange(n), label] += confidence
    t["isc.logits"] = logits.astype(np.float32)

    r = rng_for("kid")
    for i in range(KID_EXPLICIT_SUBSETS):
        t[f"kid.subset{i}.real_idx"] = r.choice(600, KID_SUBSET_INDEX_SIZE, replace=False).astype(np.int64)
        t[f"kid.subset{i}.fake_idx"] = r.choice(600, KID_SUBSET_INDEX_SIZE, replace=False).astype(np.int64)
    return t


# ---------------------------------------------------------------------------------------------
# FID
# ---------------------------------------------------------------------------------------------


def stats(x):
    return x.mean(axis=0), np.cov(x, rowvar=False)


def psd_sqrt(a):
    """Symmetric PSD square root via eigh, negative eigenvalues (rounding) clipped to 0."""
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def trace_sqrt_eigh(s1, s2):
    """tr sqrt(S1 S2) = sum sqrt(max(l, 0)), l = eigenvalues of sqrt(S1) S2 sqrt(S1) (symmetric)."""
    r = psd_sqrt(s1)
    lam = np.linalg.eigvalsh(r @ s2 @ r)
    return float(np.sqrt(np.clip(lam, 0.0, None)).sum()), int((lam < 0).sum()), float(lam.min())


def trace_sqrt_eig_product(s1, s2):
    """The DESIGN.md route: eigenvalues of the (non-symmetric) S1 S2, complex sqrt, real part."""
    lam = np.linalg.eigvals(s1 @ s2).astype(np.complex128)
    return float(np.sqrt(lam).real.sum()), float(np.abs(lam.imag).max()), float(lam.real.min())


def trace_sqrt_sqrtm_eps(s1, s2, eps):
    """pytorch-fid's fallback done by hand: scipy sqrtm of (S1 + eps I)(S2 + eps I), real part."""
    off = np.eye(s1.shape[0]) * eps
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        covmean = scipy.linalg.sqrtm((s1 + off) @ (s2 + off))
    max_imag = float(np.abs(np.imag(covmean)).max()) if np.iscomplexobj(covmean) else 0.0
    return float(np.trace(covmean).real), max_imag, [str(x.message) for x in w]


def trace_sqrt_sqrtm_plain(s1, s2):
    """scipy sqrtm of S1 S2 with no offset, real part of the trace (no imaginary-part check)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        covmean = scipy.linalg.sqrtm(s1 @ s2)
    finite = bool(np.isfinite(covmean).all())
    max_imag = float(np.abs(np.imag(covmean)).max()) if np.iscomplexobj(covmean) else 0.0
    return float(np.trace(covmean).real), finite, max_imag, [str(x.message) for x in w]


def fid_case(real32, fake32):
    x, y = real32.astype(np.float64), fake32.astype(np.float64)
    mu1, s1 = stats(x)
    mu2, s2 = stats(y)
    diff = mu1 - mu2
    base = float(diff @ diff + np.trace(s1) + np.trace(s2))
    out = {
        "n_real": len(x),
        "n_fake": len(y),
        "dim": x.shape[1],
        "params": {
            "mu": "mean over rows, float64",
            "sigma": "np.cov(x, rowvar=False), float64, N-1 normalisation",
            "pytorch_fid_eps": PYTORCH_FID_EPS,
        },
        "debug": {
            "mean_diff_sq": float(diff @ diff),
            "trace_sigma_real": float(np.trace(s1)),
            "trace_sigma_fake": float(np.trace(s2)),
        },
        "routes": {},
    }
    routes = out["routes"]

    # 1. The reference itself.
    stdout = io.StringIO()
    with warnings.catch_warnings(record=True) as w, contextlib.redirect_stdout(stdout):
        warnings.simplefilter("always")
        try:
            value = float(pytorch_fid.fid_score.calculate_frechet_distance(mu1, s1, mu2, s2))
            routes["pytorch_fid"] = {**pkg("pytorch-fid"), "value": value}
        except Exception as e:  # noqa: BLE001 - we record whatever the reference raises
            routes["pytorch_fid"] = {**pkg("pytorch-fid"), "error": f"{type(e).__name__}: {e}"}
    routes["pytorch_fid"]["function"] = "pytorch_fid.fid_score.calculate_frechet_distance"
    routes["pytorch_fid"]["stdout"] = stdout.getvalue().strip()
    routes["pytorch_fid"]["warnings"] = sorted({str(x.message) for x in w})

    # 2. scipy sqrtm without offset (what pytorch-fid tries first), real part of the trace.
    tr, finite, imag, warns = trace_sqrt_sqrtm_plain(s1, s2)
    routes["scipy_sqrtm_no_offset"] = {
        **pkg("scipy"),
        "function": "scipy.linalg.sqrtm(S1 @ S2); trace real part",
        "finite": finite,
        "max_abs_imag_covmean": imag,
        "warnings": warns,
        "trace_sqrt": tr,
        "value": base - 2 * tr,
    }

    # 3. pytorch-fid's eps fallback done by hand.
    tr, imag, warns = trace_sqrt_sqrtm_eps(s1, s2, PYTORCH_FID_EPS)
    routes["scipy_sqrtm_eps_offset"] = {
        **pkg("scipy"),
        "function": "scipy.linalg.sqrtm((S1+eps I) @ (S2+eps I)); trace real part; "
        "mean_diff_sq + tr S1 + tr S2 (no eps) - 2 tr",
        "eps": PYTORCH_FID_EPS,
        "max_abs_imag_covmean": imag,
        "warnings": warns,
        "trace_sqrt": tr,
        "value": base - 2 * tr,
    }

    # 4. Exact symmetric eigenvalue route.
    tr, n_neg, lam_min = trace_sqrt_eigh(s1, s2)
    routes["numpy_eigh_symmetric"] = {
        **pkg("numpy"),
        "function": "sum sqrt(max(eigvalsh(sqrt(S1) S2 sqrt(S1)), 0)), sqrt(S1) via eigh with clipping",
        "n_negative_eigenvalues_clipped": n_neg,
        "min_eigenvalue": lam_min,
        "trace_sqrt": tr,
        "value": base - 2 * tr,
    }

    # 5. DESIGN.md route: eig of S1 S2, complex sqrt, real part.
    tr, imag, lam_min = trace_sqrt_eig_product(s1, s2)
    routes["numpy_eig_product"] = {
        **pkg("numpy"),
        "function": "sum Re(sqrt(eigvals(S1 @ S2))) with complex sqrt",
        "max_abs_imag_eigenvalue": imag,
        "min_real_eigenvalue": lam_min,
        "trace_sqrt": tr,
        "value": base - 2 * tr,
    }
    out["debug"]["trace_sqrt_term_eigh"] = routes["numpy_eigh_symmetric"]["trace_sqrt"]
    rank = min(len(x) - 1, x.shape[1]), min(len(y) - 1, x.shape[1])
    out["debug"]["cov_rank_bound_real_fake"] = list(rank)
    if min(rank) < x.shape[1]:
        out["note"] = (
            f"S1 S2 has at least {x.shape[1] - min(rank)} eigenvalues that are exactly 0 in exact "
            "arithmetic but come out as +-1e-15 noise; sqrt of that noise (~3e-8 each) makes the "
            "routes disagree by ~1e-6 absolute in the trace term. Compare with an absolute "
            "tolerance of ~1e-5, not a relative 1e-12."
        )
    return out


# ---------------------------------------------------------------------------------------------
# KID
# ---------------------------------------------------------------------------------------------


def mmd2_unbiased_mirror(x, y, degree=3, gamma=None, coef0=1.0):
    """numpy mirror of torch_fidelity.metric_kid.kernel_mmd (poly kernel, mmd_est='unbiased').

    Note: torch-fidelity's 'unbiased' estimator removes the diagonals of K_XX and K_YY but keeps
    the diagonal of K_XY (divided by m^2); that is not the U-statistic.
    """
    if gamma is None:
        gamma = 1.0 / x.shape[1]
    m = x.shape[0]
    assert y.shape[0] == m
    k_xx = (x @ x.T * gamma + coef0) ** degree
    k_yy = (y @ y.T * gamma + coef0) ** degree
    k_xy = (x @ y.T * gamma + coef0) ** degree
    kt_xx = k_xx.sum() - np.trace(k_xx)
    kt_yy = k_yy.sum() - np.trace(k_yy)
    return float((kt_xx + kt_yy) / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m))


def kid_case(t):
    x = t["basic.real"].astype(np.float64)
    y = t["basic.fake"].astype(np.float64)
    d = x.shape[1]
    kw = {
        "kid_subsets": 100,
        "kid_subset_size": 600,
        "kid_kernel": "poly",
        "kid_kernel_poly_degree": 3,
        "kid_kernel_poly_gamma": 1.0 / d,
        "kid_kernel_poly_coef0": 1,
        "rng_seed": 2020,
        "verbose": False,
    }
    ref = torch_fidelity.metric_kid.kid_features_to_metric(torch.from_numpy(x), torch.from_numpy(y), **kw)
    full_ref = float(torch_fidelity.metric_kid.kernel_mmd(x, y, **kw))
    full_mirror = mmd2_unbiased_mirror(x, y, gamma=1.0 / d)
    rel = abs(full_mirror - full_ref) / abs(full_ref)
    assert rel <= 1e-12, rel

    # For information: what torch-fidelity computes when handed float32 features (its normal use:
    # extractors emit float32 and it calls .numpy() without casting).
    ref_f32 = torch_fidelity.metric_kid.kid_features_to_metric(
        torch.from_numpy(t["basic.real"]), torch.from_numpy(t["basic.fake"]), **kw
    )

    subsets = []
    for i in range(KID_EXPLICIT_SUBSETS):
        ri, fi = t[f"kid.subset{i}.real_idx"], t[f"kid.subset{i}.fake_idx"]
        mirror = mmd2_unbiased_mirror(x[ri], y[fi], gamma=1.0 / d)
        via_tf = float(torch_fidelity.metric_kid.kernel_mmd(x[ri], y[fi], **kw))
        subsets.append(
            {
                "real_idx_tensor": f"kid.subset{i}.real_idx",
                "fake_idx_tensor": f"kid.subset{i}.fake_idx",
                "subset_size": KID_SUBSET_INDEX_SIZE,
                "mmd2_numpy_mirror": mirror,
                "mmd2_torch_fidelity_kernel_mmd": via_tf,
                "rel_diff": abs(mirror - via_tf) / abs(via_tf),
            }
        )

    return {
        "case": "basic",
        "n_real": len(x),
        "n_fake": len(y),
        "dim": d,
        "params": {
            "kernel": "poly: (x.y * gamma + coef0) ** degree",
            "degree": 3,
            "gamma": 1.0 / d,
            "coef0": 1,
            "subsets": 100,
            "subset_size": 600,
            "rng_seed": 2020,
            "mmd_estimator": "torch-fidelity 'unbiased': (sum K_XX off-diag + sum K_YY off-diag)/(m(m-1)) "
            "- 2 sum K_XY (incl. diagonal)/m^2",
            "std_convention": "np.std over the subset MMD^2 values (population, ddof=0)",
        },
        "torch_fidelity": {
            **pkg("torch-fidelity"),
            "function": "torch_fidelity.metric_kid.kid_features_to_metric",
            "input_dtype": "float64 (float32 features cast)",
            "mean": ref["kernel_inception_distance_mean"],
            "std": ref["kernel_inception_distance_std"],
        },
        "torch_fidelity_float32_input_info_only": {
            **pkg("torch-fidelity"),
            "function": "torch_fidelity.metric_kid.kid_features_to_metric",
            "input_dtype": "float32 (kernel computed in float32 by numpy); NOT the reference, info only",
            "mean": ref_f32["kernel_inception_distance_mean"],
            "std": ref_f32["kernel_inception_distance_std"],
        },
        "full_set_mirror_check": {
            "mmd2_torch_fidelity_kernel_mmd": full_ref,
            "mmd2_numpy_mirror": full_mirror,
            "rel_diff": rel,
            "tolerance": 1e-12,
            "passed": True,
        },
        "explicit_subsets": subsets,
    }


# ---------------------------------------------------------------------------------------------
# PRDC
# ---------------------------------------------------------------------------------------------


def prdc_case(real32, fake32, k):
    x, y = real32.astype(np.float64), fake32.astype(np.float64)
    with contextlib.redirect_stdout(io.StringIO()):  # compute_prdc prints the sample counts
        ref = prdc.compute_prdc(real_features=x, fake_features=y, nearest_k=k)

    # Integer counts, rebuilt with prdc's own helpers (identical arithmetic), then checked to
    # reproduce prdc's fractions exactly.
    pp = prdc.prdc
    r_real = pp.compute_nearest_neighbour_distances(x, k)
    r_fake = pp.compute_nearest_neighbour_distances(y, k)
    d_rf = pp.compute_pairwise_distance(x, y)
    in_real_ball = d_rf < r_real[:, None]  # [n_real, n_fake]
    n_real, n_fake = len(x), len(y)
    counts = {
        "precision_count": int(in_real_ball.any(axis=0).sum()),
        "recall_count": int((d_rf < r_fake[None, :]).any(axis=1).sum()),
        "density_pair_count": int(in_real_ball.sum()),
        "coverage_count": int((d_rf.min(axis=1) < r_real).sum()),
    }
    assert counts["precision_count"] / n_fake == ref["precision"]
    assert counts["recall_count"] / n_real == ref["recall"]
    assert np.isclose(counts["density_pair_count"] / (k * n_fake), ref["density"], rtol=1e-15, atol=0)
    assert counts["coverage_count"] / n_real == ref["coverage"]

    # How robust are the counts to the distance formula? sklearn uses sqrt(|x|^2+|y|^2-2x.y);
    # recompute with direct differences and report the closest call to a radius.
    def direct(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    dd_rr, dd_ff, dd_rf = direct(x, x), direct(y, y), direct(x, y)
    rr_direct = np.sort(dd_rr, axis=1)[:, k]
    rf_direct = np.sort(dd_ff, axis=1)[:, k]
    in_ball_direct = dd_rf < rr_direct[:, None]
    counts_direct = {
        "precision_count": int(in_ball_direct.any(axis=0).sum()),
        "recall_count": int((dd_rf < rf_direct[None, :]).any(axis=1).sum()),
        "density_pair_count": int(in_ball_direct.sum()),
        "coverage_count": int((dd_rf.min(axis=1) < rr_direct).sum()),
    }
    gap_real = np.abs(dd_rf - rr_direct[:, None])
    gap_fake = np.abs(dd_rf - rf_direct[None, :])

    return {
        "n_real": n_real,
        "n_fake": n_fake,
        "dim": x.shape[1],
        "nearest_k": k,
        "prdc": {
            **pkg("prdc"),
            "function": "prdc.compute_prdc(real_features, fake_features, nearest_k)",
            "precision": float(ref["precision"]),
            "recall": float(ref["recall"]),
            "density": float(ref["density"]),
            "coverage": float(ref["coverage"]),
        },
        "counts": {
            **counts,
            "formulae": "precision = precision_count/n_fake; recall = recall_count/n_real; "
            "density = density_pair_count/(k*n_fake); coverage = coverage_count/n_real",
        },
        "counts_with_direct_difference_distances": counts_direct,
        # Pairs whose real-fake distance equals a radius exactly (direct distances). They exist
        # when real and fake share points (`identical`): the k-th neighbour sits on the sphere and
        # the strict `<` excludes it, so distances must be computed consistently (same function
        # for real-real and real-fake, symmetric) for the counts to match.
        "exact_ties_with_real_radius": int((gap_real == 0).sum()),
        "exact_ties_with_fake_radius": int((gap_fake == 0).sum()),
        "min_nonzero_gap_distance_to_real_radius": float(gap_real[gap_real > 0].min()),
        "min_nonzero_gap_distance_to_fake_radius": float(gap_fake[gap_fake > 0].min()),
        "radius_definition": "k-th nearest neighbour excluding self = (k+1)-th smallest distance "
        "in the row including the zero self-distance; comparisons are strict (<)",
    }


# ---------------------------------------------------------------------------------------------
# Inception Score
# ---------------------------------------------------------------------------------------------


def isc_mirror(logits, splits):
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    n = len(p)
    scores = []
    for i in range(splits):
        lo, hi = i * n // splits, (i + 1) * n // splits
        pc, lpc = p[lo:hi], log_p[lo:hi]
        q = pc.mean(axis=0, keepdims=True)
        scores.append(float(np.exp((pc * (lpc - np.log(q))).sum(axis=1).mean())))
    return scores


def isc_case(logits32, splits=10):
    x = logits32.astype(np.float64)
    ref = torch_fidelity.metric_isc.isc_features_to_metric(torch.from_numpy(x), splits=splits, shuffle=False)
    # torch-fidelity's default: rows permuted by np.random.RandomState(2020) before splitting
    # (what `ganvas eval` reports; tests/metrics_reference.rs holds these values too).
    shuffled = torch_fidelity.metric_isc.isc_features_to_metric(torch.from_numpy(x), splits=splits)
    scores = isc_mirror(x, splits)
    return {
        "n": len(x),
        "classes": x.shape[1],
        "params": {
            "splits": splits,
            "shuffle": False,
            "split_rule": "chunk i = rows [i*N//splits, (i+1)*N//splits)",
            "std_convention": "np.std over split scores (population, ddof=0) in torch-fidelity",
        },
        "torch_fidelity": {
            **pkg("torch-fidelity"),
            "function": "torch_fidelity.metric_isc.isc_features_to_metric(logits, splits=10, shuffle=False)",
            "mean": ref["inception_score_mean"],
            "std": ref["inception_score_std"],
        },
        "torch_fidelity_shuffled": {
            **pkg("torch-fidelity"),
            "function": "torch_fidelity.metric_isc.isc_features_to_metric(logits, splits=10) (shuffle=True, rng_seed=2020)",
            "mean": shuffled["inception_score_mean"],
            "std": shuffled["inception_score_std"],
        },
        "numpy_mirror": {
            "function": "float64 softmax; per split exp(mean_x KL(p(y|x) || mean p(y))); np.mean, np.std(ddof=0)",
            "split_scores": scores,
            "mean": float(np.mean(scores)),
            "std": float(np.std(scores)),
        },
    }


# ---------------------------------------------------------------------------------------------


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    t = make_features()
    safetensors.numpy.save_file(t, str(OUT_DIR / "features.safetensors"))
    os.chmod(OUT_DIR / "features.safetensors", 0o644)  # safetensors creates it 0600

    expected = {
        "generator": "tests/reference/metrics_fixtures.py",
        "seed": SEED,
        "features_file": "features.safetensors",
        "feature_dtype": "float32 stored; all reference computations on those values cast to float64",
        "versions": {
            "python": platform.python_version(),
            **{n: version(n) for n in (
                "numpy", "scipy", "scikit-learn", "torch", "pytorch-fid", "torch-fidelity", "prdc", "safetensors",
            )},
        },
        "tensors": {name: {"shape": list(a.shape), "dtype": str(a.dtype)} for name, a in sorted(t.items())},
        "fid": {
            case: fid_case(t[f"{case}.real"], t[f"{case}.fake"])
            for case in ("basic", "unequal", "rank_deficient", "identical")
        },
        "kid": kid_case(t),
        "prdc": {
            **{f"{case}.k{k}": prdc_case(t[f"{case}.real"], t[f"{case}.fake"], k)
               for case in ("basic", "unequal") for k in (3, 5)},
            "identical.k5": prdc_case(t["identical.real"], t["identical.fake"], 5),
        },
        "isc": isc_case(t["isc.logits"]),
    }
    with open(OUT_DIR / "expected.json", "w") as f:
        json.dump(expected, f, indent=2, allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT_DIR}/features.safetensors and {OUT_DIR}/expected.json", file=sys.stderr)


if __name__ == "__main__":
    main()
