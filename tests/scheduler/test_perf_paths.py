"""The fair-share tree finds a path's nodes once (issue 25): every request of a known user
gets the same three nodes without walking the tree, a new path still gets new nodes with their
shares, and the class's metric label is looked up, not made again."""

from __future__ import annotations

from labgate.scheduler.decay import DecayClock
from labgate.scheduler.path import ClientPath, RequestClass
from labgate.scheduler.tree import FairTree


def _tree(shares: dict[str, float]) -> FairTree:
    clock = iter(range(1_000_000)).__next__
    return FairTree(
        DecayClock(60.0, lambda: float(clock())),
        lambda path, depth: shares.get(path.key(depth), 1.0),
    )


def test_a_paths_nodes_are_found_once_and_are_the_trees_own() -> None:
    tree = _tree({"anl": 2.0, "anl/fusion": 3.0, "anl/fusion/dana": 4.0})
    first = tree.nodes_for(ClientPath("anl", "fusion", "dana"))
    again = tree.nodes_for(ClientPath("anl", "fusion", "dana"))  # an equal path, a new object
    assert again is first
    lab, project, user = first
    assert tree.root.children["anl"] is lab and lab.children["fusion"] is project
    assert project.children["dana"] is user
    assert (lab.share, project.share, user.share) == (2.0, 3.0, 4.0)
    assert (lab.depth, project.depth, user.depth) == (1, 2, 3)
    assert user.heaps is None and lab.heaps is not None  # a user keeps no heaps


def test_new_paths_get_new_nodes_and_share_the_ones_above_them() -> None:
    tree = _tree({})
    dana = tree.nodes_for(ClientPath("anl", "fusion", "dana"))
    eve = tree.nodes_for(ClientPath("anl", "fusion", "eve"))
    ora = tree.nodes_for(ClientPath("ornl", "fusion", "dana"))
    assert eve[:2] == dana[:2] and eve[2] is not dana[2]
    assert ora[0] is not dana[0] and ora[1] is not dana[1] and ora[2] is not dana[2]
    assert ora[2].name == "dana" and ora[2].parent is ora[1] and ora[1].parent is ora[0]
    assert len(tree.root.children) == 2 and len(dana[1].children) == 2


def test_a_known_paths_nodes_still_carry_what_was_charged_and_shared_later() -> None:
    tree = _tree({})
    path = ClientPath("anl", "fusion", "dana")
    nodes = tree.nodes_for(path)
    tree.charge(nodes, 10.0)
    nodes[2].share = 5.0  # as FairScheduler.set_share changes a live node
    found = tree.nodes_for(path)
    assert found is nodes and found[2].share == 5.0 and found[2].usage > 0.0
    tree.renormalise()
    assert tree.nodes_for(path) is nodes


def test_each_class_label_is_its_name_in_lower_case() -> None:
    assert [c.label for c in RequestClass] == ["interactive", "batch"]
    for cls in RequestClass:
        assert cls.label == cls.name.lower()
        assert RequestClass.parse(cls.label) is cls
