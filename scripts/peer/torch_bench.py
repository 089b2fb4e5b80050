"""PyTorch reference for the training benchmark (scripts/bench-models.ts): the same models,
shapes, batch size, optimiser and per-epoch work, timed the same way.

  dense AE   32-16-8-16-32 (relu hidden, linear code and output), 100,000 x 32 rows
  Conv1D AE  the project's default shape (15,189 parameters): conv(16, k3, s2) -> conv(32,
             k3, s2) -> dense 16 -> dense 256 -> (repeat x2 -> conv) x 2 -> crop 30 -> conv(5),
             "same" padding as TensorFlow pads it; 20,000 windows x 30 steps x 5 features

Each epoch: shuffle, mini-batches of 256 with Adam (lr 1e-3) on the mean squared error, then
the validation loss over a split a tenth of the training size, as the project's loop does.
Seconds per epoch are the median over the epochs after the first. Every model runs with
1 and with 2 threads (torch.set_num_threads); the result is JSON on stdout.

usage: /usr/bin/python3 scripts/peer/torch_bench.py [--epochs 4] [--models ae,conv1d] [--threads 1,2]
exit codes: 0 ok, 3 PyTorch is not installed (apt-get install -y python3-torch).
"""
import argparse
import json
import math
import statistics
import sys
import time

ROWS, FEATURES, RANK = 100_000, 32, 6
WINDOWS, LENGTH, WFEATURES = 20_000, 30, 5
BATCH = 256
VALIDATION_FRACTION = 0.1
LEARNING_RATE = 1e-3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--models", default="ae,conv1d")
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        sys.stderr.write("PyTorch is not installed (Debian: apt-get install -y python3-torch)\n")
        return 3

    def same_pad(length, k, s):
        out = math.ceil(length / s)
        total = max((out - 1) * s + k - length, 0)
        return total // 2, total - total // 2

    class DenseAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = torch.nn.Linear(FEATURES, 16)
            self.l2 = torch.nn.Linear(16, 8)
            self.l3 = torch.nn.Linear(8, 16)
            self.l4 = torch.nn.Linear(16, FEATURES)

        def forward(self, x):
            return self.l4(F.relu(self.l3(self.l2(F.relu(self.l1(x))))))

    class ConvAE(torch.nn.Module):
        """Channels-first (the PyTorch layout): x [B, 5, 30]."""

        def __init__(self):
            super().__init__()
            self.e0 = torch.nn.Conv1d(WFEATURES, 16, 3, stride=2)
            self.e1 = torch.nn.Conv1d(16, 32, 3, stride=2)
            self.lat = torch.nn.Linear(8 * 32, 16)
            self.dd = torch.nn.Linear(16, 8 * 32)
            self.d0 = torch.nn.Conv1d(32, 32, 3)
            self.d1 = torch.nn.Conv1d(32, 16, 3)
            self.out = torch.nn.Conv1d(16, WFEATURES, 3)

        @staticmethod
        def conv(layer, x, stride):
            left, right = same_pad(x.shape[2], 3, stride)
            return layer(F.pad(x, (left, right)))

        def forward(self, x):
            h = F.relu(self.conv(self.e0, x, 2))
            h = F.relu(self.conv(self.e1, h, 2))
            z = self.lat(h.flatten(1))
            h = F.relu(self.dd(z)).view(-1, 32, 8)
            h = F.relu(self.conv(self.d0, h.repeat_interleave(2, dim=2), 1))
            h = F.relu(self.conv(self.d1, h.repeat_interleave(2, dim=2), 1))
            return self.conv(self.out, h[:, :, :LENGTH], 1)

    def data(kind, gen):
        if kind == "ae":
            mix = torch.randn(RANK, FEATURES, generator=gen) / math.sqrt(RANK)

            def rows(n):
                return torch.randn(n, RANK, generator=gen) @ mix + 0.1 * torch.randn(n, FEATURES, generator=gen)

            return rows(ROWS), rows(int(ROWS * VALIDATION_FRACTION)), DenseAE()
        t = torch.arange(LENGTH, dtype=torch.float32)

        def windows(n):
            a = torch.randn(n, 1, 1, generator=gen)
            phase = torch.rand(n, 1, 1, generator=gen) * 2 * math.pi
            f = torch.arange(WFEATURES, dtype=torch.float32).view(1, WFEATURES, 1)
            return a * torch.sin(2 * math.pi * t.view(1, 1, LENGTH) / LENGTH + phase + f) + 0.1 * torch.randn(
                n, WFEATURES, LENGTH, generator=gen
            )

        return windows(WINDOWS), windows(int(WINDOWS * VALIDATION_FRACTION)), ConvAE()

    results = []
    for kind in args.models.split(","):
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            gen = torch.Generator().manual_seed(20240607)
            torch.manual_seed(20240607)
            train, valid, model = data(kind, gen)
            opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
            seconds, cpu, val = [], [], float("nan")
            for _ in range(args.epochs):
                t0 = time.perf_counter()
                c0 = time.process_time()
                model.train()
                for idx in torch.randperm(train.shape[0], generator=gen).split(BATCH):
                    xb = train[idx]
                    opt.zero_grad(set_to_none=True)
                    loss = F.mse_loss(model(xb), xb)
                    loss.backward()
                    opt.step()
                model.eval()
                with torch.no_grad():
                    val = float(F.mse_loss(model(valid), valid))
                seconds.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            results.append(
                {
                    "model": kind,
                    "threads": threads,
                    "parameters": sum(p.numel() for p in model.parameters()),
                    "epochs": len(seconds),
                    "firstEpochSeconds": seconds[0],
                    "secondsPerEpoch": statistics.median(seconds[1:]) if len(seconds) > 1 else seconds[0],
                    "cpuSecondsPerEpoch": statistics.median(cpu[1:]) if len(cpu) > 1 else cpu[0],
                    "finalValLoss": val,
                }
            )
            sys.stderr.write(
                f"torch {kind:7s} threads {threads}: {results[-1]['secondsPerEpoch']:.3f} s/epoch, val {val:.4g}\n"
            )
    print(json.dumps({"torch": torch.__version__, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
