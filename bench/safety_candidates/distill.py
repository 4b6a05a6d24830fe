"""A student for the shipped head: one MLP fitted to the 15-member ensemble's averaged
probabilities, to read a third of the weights on every check (issue 25). Not shipped; the
figures are in this folder's README.

It fits on the training rows of every data variant together (deduplicated; the embedding
cache of ``labgate safety train`` must be warm in ``--work-dir``), the teacher's soft labels
as targets (cross-entropy against the averaged probabilities), and saves a head file to
measure with ``labgate safety eval --head``.

    .venv/bin/python bench/safety_candidates/distill.py --hidden 1024 --out /tmp/s/head.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def main() -> None:
    import torch
    from torch import nn

    from labgate.safety.head import ClassifierHead
    from labgate.safety.pipeline import Paths, _lazy_encoder, _wheels, build, cache_file
    from labgate.safety.training import (
        DATA_VARIANTS,
        EmbeddingCache,
        TrainSettings,
        training_rows,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--work-dir", type=Path, default=Path(".data/safety"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    torch.set_num_threads(1)
    settings = TrainSettings()
    paths = Paths.default(args.work_dir)
    corpus = build(_wheels(paths, False), settings.seed)
    cache = EmbeddingCache(
        cache_file(paths, settings.embedding), _lazy_encoder(1, settings.embedding)
    )
    texts: list[str] = []
    for exclude in DATA_VARIANTS:
        rows, _ = training_rows(
            corpus, "train", augment=settings.augment, seed=settings.seed, exclude=exclude
        )
        texts += rows
    texts = list(dict.fromkeys(texts))
    x = cache.encode(texts)
    teacher = ClassifierHead.load()
    soft = teacher.probabilities(x)
    xt = torch.tensor(x, dtype=torch.float32)
    pt = torch.tensor(soft, dtype=torch.float32)
    torch.manual_seed(args.seed)
    model = nn.Sequential(
        nn.Linear(x.shape[1], args.hidden),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(args.hidden, soft.shape[1]),
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    for _ in range(args.epochs):
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        for start in range(0, len(xt), 128):
            idx = order[start : start + 128]
            optimiser.zero_grad()
            loss = -(pt[idx] * torch.log_softmax(model(xt[idx]), dim=1)).sum(dim=1).mean()
            loss.backward()
            optimiser.step()
    model.eval()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    student = ClassifierHead(
        weights=[m.weight.detach().numpy().T.copy() for m in linears],
        biases=[m.bias.detach().numpy().copy() for m in linears],
        classes=teacher.classes,
        version="student",
        embedding=teacher.embedding,
    )
    mine = student.probabilities(x)
    agree = float((mine.argmax(axis=1) == soft.argmax(axis=1)).mean())
    print(
        f"{len(texts)} rows; argmax agreement with the teacher {agree:.4f}; "
        f"mean |p - q| {float(np.abs(mine - soft).mean()):.4f}"
    )
    student.save(args.out)


if __name__ == "__main__":
    main()
