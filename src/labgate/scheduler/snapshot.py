"""A plain-data picture of the shares, counters, usage and queues, for the admin endpoint.

Counters and usage are reported as of now (decay applied). ``norm_share`` is the node's share
divided by the sum of its siblings' shares (Slurm's NormShares): the fraction of its parent's
capacity the node is entitled to when every sibling is backlogged.
"""

from __future__ import annotations

from typing import Any

from labgate.scheduler.path import RequestClass
from labgate.scheduler.pool import Pool
from labgate.scheduler.tree import Node

_LEVELS = ("labs", "projects", "users")


def _queued(node: Node) -> dict[str, int]:
    return {cls.label: node.queued[cls] for cls in RequestClass}


def _node(node: Node, sibling_shares: float, g: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": node.name,
        "share": node.share,
        "norm_share": node.share / sibling_shares if sibling_shares else 0.0,
        "counter": node.counter / g,
        "usage": node.usage / g,
        "queued": _queued(node),
        "running": node.running,
    }
    if node.heaps is not None:  # a lab or project: list its children
        total = sum(child.share for child in node.children.values())
        out[_LEVELS[node.depth]] = [
            _node(child, total, g) for child in sorted(node.children.values(), key=_by_name)
        ]
    return out


def _by_name(node: Node) -> str:
    return node.name


def pool_snapshot(pool: Pool, lab: str | None = None, project: str | None = None) -> dict[str, Any]:
    """The pool's state; ``lab`` (and ``project``) restrict the tree to one lab (project)."""
    root = pool.tree.root
    g = pool.tree.factor()
    labs = sorted(root.children.values(), key=_by_name)
    total = sum(n.share for n in labs)
    listed = []
    for node in labs:
        if lab is not None and node.name != lab:
            continue
        entry = _node(node, total, g)
        if project is not None:
            entry["projects"] = [p for p in entry["projects"] if p["name"] == project]
        listed.append(entry)
    return {
        "capacity": pool.capacity,
        "running": pool.running,
        "queued": _queued(root),
        "usage": root.usage / g,
        "decisions": pool.decisions,
        "labs": listed,
    }
