"""Fewer writes per request (issue 25): the log's lines from one step of the event loop go out
in one write; nothing is lost, reordered or held back."""

from __future__ import annotations

import asyncio
import io
import logging

from labgate.logs import StepHandler, TextFormatter


async def test_log_lines_of_one_loop_step_are_written_together_in_order() -> None:
    stream = io.StringIO()
    writes: list[str] = []
    real = stream.write
    stream.write = lambda text: writes.append(text) or real(text)  # type: ignore[method-assign]
    handler = StepHandler(stream)
    handler.setFormatter(TextFormatter())
    log = logging.getLogger("labgate.tests.step")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        log.info("one")
        log.info("two")
        assert writes == []  # held until the loop's step ends
        await asyncio.sleep(0)
        assert len(writes) == 1 and writes[0].index("one") < writes[0].index("two")
        log.info("three")
        log.warning("four")  # a warning goes at once, after what was held
        assert len(writes) == 2 and writes[1].index("three") < writes[1].index("four")
        log.info("five")
        handler.flush()  # as at exit
        assert "five" in writes[2]
        await asyncio.sleep(0)
        assert len(writes) == 3
        # a thread without a running loop writes at once
        await asyncio.to_thread(log.info, "six")
        assert "six" in writes[3]
        lines = stream.getvalue().splitlines()
        assert [line.rsplit(" ", 1)[1] for line in lines] == [
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
        ]
        assert " INFO labgate.tests.step: one" in lines[0]
    finally:
        log.removeHandler(handler)
