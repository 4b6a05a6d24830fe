"""labgate.heap: the collector's settings for ``labgate serve`` (run in a child process, so
this test process keeps its own)."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import gc, weakref
from labgate.heap import YOUNG_THRESHOLD, settle

class Node:
    pass

before = len(gc.get_objects())
settle()
assert gc.get_freeze_count() >= before // 2, (gc.get_freeze_count(), before)
assert len(gc.get_objects()) < before // 2  # the frozen objects are no longer scanned
assert gc.get_threshold()[0] == YOUNG_THRESHOLD
# a cycle made after the freeze is still found and freed
a, b = Node(), Node()
a.other, b.other = b, a
gone = weakref.ref(a)
del a, b
for _ in range(3 * YOUNG_THRESHOLD):  # enough new containers to start a young collection
    [[]]
junk = [[] for _ in range(YOUNG_THRESHOLD + 100)]
assert gone() is None
print("ok")
"""


def test_settle_freezes_the_started_process_and_still_collects_new_cycles() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
