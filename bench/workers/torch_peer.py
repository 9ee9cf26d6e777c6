#!/usr/bin/env python3
"""The PyTorch peer of kiln's bench (bench/README.md): one task per process.

Reads a task spec (JSON, argv[1]) as the TS workers do (bench/protocol.ts) and prints one line
`KILN_BENCH_RESULT {...}`. The model comes from the spec's layer list, so it is the same as every
other framework's: Glorot-uniform kernels (torch.nn.init.xavier_uniform_, whose fans for a conv
kernel are in*kh*kw and out*kh*kw, as Keras), zero biases, logits out, cross-entropy on logits,
torch.optim.SGD(lr, momentum, nesterov=True) (the same update as Keras's Nesterov SGD), shuffled
batches gathered from tensors, the last partial batch dropped (as for every framework).
Images are NCHW here (PyTorch's layout); the flatten order differs from NHWC, the model does not.
"""
import gzip
import json
import os
import resource
import statistics
import sys
import time

RESULT_PREFIX = "KILN_BENCH_RESULT "


def emit(result):
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def peak_rss_mb():
    # Linux: ru_maxrss is in KiB (the same figure as /proc/self/status VmHWM).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_idx_uint8(path):
    import numpy as np

    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file")
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def idx_path(folder, base):
    for name in (base + ".gz", base):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"Fashion-MNIST: {os.path.join(folder, base)}(.gz) not found")


def load_split(torch, folder, images, labels, input_shape):
    x = read_idx_uint8(idx_path(folder, images)).astype("float32") / 255.0
    y = read_idx_uint8(idx_path(folder, labels)).astype("int64")
    n = x.shape[0]
    if len(input_shape) == 3:  # NHWC [28, 28, 1] in the spec -> NCHW here
        x = x.reshape(n, input_shape[2], input_shape[0], input_shape[1])
    else:
        x = x.reshape(n, -1)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def build_model(torch, model):
    nn = torch.nn
    layers = []
    shape = list(model["inputShape"])  # NHWC for images
    for layer in model["layers"]:
        t = layer["type"]
        if t == "dense":
            lin = nn.Linear(shape[0], layer["units"])
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
            layers.append(lin)
            shape = [layer["units"]]
        elif t == "conv2d":
            k = layer["kernelSize"]
            conv = nn.Conv2d(shape[2], layer["filters"], k, padding=0)
            nn.init.xavier_uniform_(conv.weight)
            nn.init.zeros_(conv.bias)
            layers.append(conv)
            shape = [shape[0] - k + 1, shape[1] - k + 1, layer["filters"]]
        elif t == "maxPool2d":
            p = layer["poolSize"]
            layers.append(nn.MaxPool2d(p))
            shape = [shape[0] // p, shape[1] // p, shape[2]]
        elif t == "flatten":
            layers.append(nn.Flatten())
            n = 1
            for d in shape:
                n *= d
            shape = [n]
        else:
            raise ValueError(f"unknown layer type {t}")
        if layer.get("activation") == "relu":
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def median_latency_ms(fn, calls, warmup=10):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms)


def run(spec):
    try:
        import torch
    except ImportError as e:
        return {"ok": False, "missing": True, "error": f"PyTorch is not installed ({e}); apt-get install python3-torch"}
    threads = spec["threads"]
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass
    torch.manual_seed(spec["seed"])
    model_spec = spec["model"]
    model = build_model(torch, model_spec)
    in_shape = model_spec["inputShape"]
    one_shape = [1, in_shape[2], in_shape[0], in_shape[1]] if len(in_shape) == 3 else [1, in_shape[0]]
    note = f"torch {torch.__version__}"

    if spec["kind"] == "latency":
        model.eval()
        one = torch.zeros(one_shape)
        with torch.no_grad():
            latency = median_latency_ms(lambda: model(one).numpy(), spec["latencyCalls"])
        return {"ok": True, "threads": torch.get_num_threads(), "latency_ms": latency, "peak_rss_mb": peak_rss_mb(), "note": note}
    if spec["kind"] != "train":
        return {"ok": False, "missing": False, "error": f"torch: no '{spec['kind']}' task (eager PyTorch has no compile step)"}

    folder = spec["dataDir"]
    xs, ys = load_split(torch, folder, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", in_shape)
    xt, yt = load_split(torch, folder, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", in_shape)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = model_spec["batch"]
    n = xs.shape[0]
    steps_per_epoch = n // batch
    gen = torch.Generator().manual_seed(spec["seed"])
    perm = torch.randperm(n, generator=gen)
    model.train()

    def step(i):
        idx = perm[i * batch : (i + 1) * batch]
        xb, yb = xs[idx], ys[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    step(steps_per_epoch - 1)  # untimed warm-up step, as for every framework
    limit = steps_per_epoch if spec.get("maxSteps") is None else min(steps_per_epoch, spec["maxSteps"])
    t0 = time.perf_counter()
    steps = 0
    while steps < limit:
        step(steps)
        steps += 1
        if time.perf_counter() - t0 > spec["timeLimitS"]:
            break
    seconds = time.perf_counter() - t0
    epoch_s = seconds * steps_per_epoch / steps

    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, xt.shape[0], 1000):
            correct += int((model(xt[s : s + 1000]).argmax(1) == yt[s : s + 1000]).sum())
    result = {
        "ok": True,
        "threads": torch.get_num_threads(),
        "epoch_s": epoch_s,
        "steps": steps,
        "steps_per_epoch": steps_per_epoch,
        "samples_per_s": steps_per_epoch * batch / epoch_s,
        "test_acc": correct / xt.shape[0],
        "peak_rss_mb": peak_rss_mb(),
        "note": note,
    }
    if steps < steps_per_epoch:
        result["note"] = f"scaled from {steps}/{steps_per_epoch} steps; accuracy after those steps; {note}"
    return result


def main():
    spec = json.loads(sys.argv[1])
    try:
        result = run(spec)
    except Exception as e:  # reported as the row's error, never a hang or a silent drop
        result = {"ok": False, "missing": False, "error": f"{type(e).__name__}: {e}".split("\n")[0]}
    emit(result)


if __name__ == "__main__":
    main()
