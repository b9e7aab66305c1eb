"""The PyTorch / ONNX Runtime side of `ganvas bench`: a long-lived process that answers one JSON
request per stdin line with one JSON line on stdout, so the Rust side can alternate rounds
between ganvas and this peer without start-up costs in the timings. Logs go to stderr.

    python bench/peers/torch_peer.py --runtime torch|onnxruntime --threads 2

Requests (bench/README.md defines the workloads):
    {"task": "info"}
    {"task": "train", "workload": "dcgan32-rgb", "reps": 5}         torch only -> {"ms": per step}
    {"task": "sample", "workload": "dcgan64", "batch": 64, "reps": 5} -> {"ms": per call}
    {"task": "frechet", "n": 10000, "dim": 2048, "reps": 1}          torch only (numpy/scipy,
                                            as pytorch-fid computes it) -> {"ms", "statistics_ms", "frechet_ms", "value"}
    {"task": "sgemm", "n": 2048, "reps": 5}                          torch only -> {"gflops": best}
    {"task": "layer", "transposed": false, "c_in": 64, "c_out": 128, "side": 32, "kernel": 4,
     "stride": 2, "padding": 1, "batch": 64, "reps": 5}              torch only -> {"forward",
                                            "dx", "dw": ms per call, gradients net of the forward}
Errors answer {"error": "..."} and the loop goes on; end of input ends the process.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dcgan_torch  # noqa: E402

BATCH = dcgan_torch.BATCH


class TorchTrain:
    """The PyTorch examples DCGAN step with BCE-with-logits, on a fixed synthetic batch."""

    def __init__(self, name):
        self.g, self.d = dcgan_torch.build(name)
        res, ch = dcgan_torch.WORKLOADS[name]
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        gen = torch.Generator().manual_seed(1)
        self.real = torch.rand(BATCH, ch, res, res, generator=gen) * 2 - 1
        self.loss = torch.nn.BCEWithLogitsLoss()
        self.ones = torch.ones(BATCH)
        self.zeros = torch.zeros(BATCH)
        for _ in range(2):  # warm-up: allocator, oneDNN primitive caches
            self.step()

    def step(self):
        self.d.zero_grad()
        self.loss(self.d(self.real), self.ones).backward()
        fake = self.g(torch.randn(BATCH, dcgan_torch.NZ, 1, 1))
        self.loss(self.d(fake.detach()), self.zeros).backward()
        self.opt_d.step()
        self.g.zero_grad()
        self.loss(self.d(fake), self.ones).backward()
        self.opt_g.step()


class TorchSample:
    def __init__(self, name):
        self.g, _ = dcgan_torch.build(name)
        self.g.eval()

    def __call__(self, batch):
        with torch.inference_mode():
            return self.g(torch.randn(batch, dcgan_torch.NZ, 1, 1)).numpy()


class OrtSample:
    def __init__(self, name, threads):
        import onnxruntime as ort

        from onnx_export import default_path, export

        path = default_path(name)
        if not path.exists():
            export(name, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.rng = np.random.default_rng(2)

    def __call__(self, batch):
        z = self.rng.standard_normal((batch, dcgan_torch.NZ, 1, 1), dtype=np.float32)
        return self.session.run(["images"], {"z": z})[0]


def timed(fn, reps):
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) * 1000 / reps


def layer(req, reps):
    """One convolution alone, timed as `ganvas bench --tasks layers` times its own: forward,
    then forward + backward of sum(y * dy) with respect to x or w, less the forward."""
    c_in, c_out, side, k = (int(req[f]) for f in ("c_in", "c_out", "side", "kernel"))
    stride, padding, batch = int(req["stride"]), int(req["padding"]), int(req["batch"])
    x = torch.randn(batch, c_in, side, side)
    if req["transposed"]:
        w = torch.randn(c_in, c_out, k, k) * 0.02
        op = lambda x, w: torch.nn.functional.conv_transpose2d(x, w, stride=stride, padding=padding)
    else:
        w = torch.randn(c_out, c_in, k, k) * 0.02
        op = lambda x, w: torch.nn.functional.conv2d(x, w, stride=stride, padding=padding)
    with torch.no_grad():
        dy = torch.randn_like(op(x, w))

    def per_call(fn):
        fn()  # warm-up: oneDNN primitive caches, allocator
        return timed(fn, reps)

    def forward():
        with torch.no_grad():
            op(x, w).numpy()

    def backward(wrt_x):
        xa = x.detach().requires_grad_(wrt_x)
        wa = w.detach().requires_grad_(not wrt_x)
        (op(xa, wa) * dy).sum().backward()
        (xa if wrt_x else wa).grad.numpy()

    fwd = per_call(forward)
    return {"forward": fwd, "dx": max(per_call(lambda: backward(True)) - fwd, 0.0),
            "dw": max(per_call(lambda: backward(False)) - fwd, 0.0)}


class Peer:
    def __init__(self, runtime, threads):
        self.runtime = runtime
        self.threads = threads
        torch.set_num_threads(threads)
        self.cache = {}

    def get(self, key, make):
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def torch_only(self, task):
        if self.runtime != "torch":
            raise ValueError(f"task {task} runs on the torch peer only")

    def handle(self, req):
        task = req.get("task")
        reps = int(req.get("reps", 5))
        if task == "info":
            info = {"runtime": self.runtime, "torch": torch.__version__, "threads": self.threads,
                    "mkldnn": torch.backends.mkldnn.is_available()}
            if self.runtime == "onnxruntime":
                import onnxruntime
                info["onnxruntime"] = onnxruntime.__version__
            return info
        if task == "train":
            self.torch_only(task)
            trainer = self.get(("train", req["workload"]), lambda: TorchTrain(req["workload"]))
            return {"ms": timed(trainer.step, reps)}
        if task == "sample":
            name, batch = req["workload"], int(req["batch"])
            if self.runtime == "torch":
                sampler = self.get(("sample", name), lambda: TorchSample(name))
            else:
                sampler = self.get(("ort", name), lambda: OrtSample(name, self.threads))
            out = sampler(batch)  # warm-up
            if out.shape[0] != batch or not np.isfinite(out).all():
                raise ValueError(f"bad samples: shape {out.shape}")
            return {"ms": timed(lambda: sampler(batch), reps)}
        if task == "frechet":
            self.torch_only(task)
            return self.frechet(int(req.get("n", 10000)), int(req.get("dim", 2048)))
        if task == "sgemm":
            self.torch_only(task)
            n = int(req.get("n", 2048))
            a, b = torch.randn(n, n), torch.randn(n, n)
            best = min(timed(lambda: a @ b, 1) for _ in range(reps))
            return {"gflops": 2 * n ** 3 / (best / 1000) / 1e9}
        if task == "layer":
            self.torch_only(task)
            return layer(req, reps)
        raise ValueError(f"unknown task {task!r}")

    def frechet(self, n, dim):
        from pytorch_fid.fid_score import calculate_frechet_distance

        def make():
            rng = np.random.default_rng(0)
            x = rng.standard_normal((n, dim), dtype=np.float32)
            y = (rng.standard_normal((n, dim), dtype=np.float32) * 1.1 + 0.1).astype(np.float32)
            return x, y

        x, y = self.get(("features", n, dim), make)
        start = time.perf_counter()
        stats = [(np.mean(f.astype(np.float64), axis=0), np.cov(f.astype(np.float64), rowvar=False))
                 for f in (x, y)]
        mid = time.perf_counter()
        value = calculate_frechet_distance(stats[0][0], stats[0][1], stats[1][0], stats[1][1])
        end = time.perf_counter()
        return {"statistics_ms": (mid - start) * 1000, "frechet_ms": (end - mid) * 1000,
                "ms": (end - start) * 1000, "value": float(value)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runtime", choices=["torch", "onnxruntime"], default="torch")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_interop_threads(1)
    peer = Peer(args.runtime, args.threads)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = peer.handle(json.loads(line))
        except Exception as e:  # any failure is an answer, not a crash
            answer = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
