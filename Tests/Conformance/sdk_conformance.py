#!/usr/bin/env python3
"""Checks abtop's simulated providers against the official OpenAI and Anthropic Python SDKs.

Usage: sdk_conformance.py PORT. The server must run with Tests/Conformance/profiles.json. Prints one line per
check and 'N passed, N failed' at the end; exits 1 on any failure.
"""
import sys

from checks import check, finish

import anthropic
import openai

port = int(sys.argv[1])
oa = openai.OpenAI(api_key="sk-test", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=20)
an = anthropic.Anthropic(api_key="sk-ant-test", base_url=f"http://127.0.0.1:{port}", max_retries=0, timeout=20)


def expect_error(call, kind):
    try:
        call()
    except kind:
        return
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"expected {kind.__name__}, got {type(e).__name__}: {e}")
    raise AssertionError(f"expected {kind.__name__}, got a response")


def expect_connection_error(call):
    try:
        call()
    except (openai.APIStatusError, AssertionError) as e:
        raise AssertionError(f"expected a connection error, got {type(e).__name__}: {e}")
    except Exception:  # noqa: BLE001 - the transport's own exception type varies by SDK version
        return
    raise AssertionError("expected a connection error, got a complete stream")


MSG = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Why do databases use B-tree indexes?"}]
AMSG = [{"role": "user", "content": "Why do databases use B-tree indexes?"}]


def openai_json():
    r = oa.chat.completions.create(model="gpt-4", messages=MSG, max_tokens=64)
    assert r.id.startswith("chatcmpl-") and r.object == "chat.completion" and r.model == "gpt-4"
    c = r.choices[0]
    assert c.message.role == "assistant" and c.message.content and c.finish_reason in ("stop", "length")
    assert r.usage.completion_tokens > 0 and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def openai_stream_raw():
    chunks = list(oa.chat.completions.create(model="slow-gpt", messages=MSG, stream=True,
                                             stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    finishes = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    assert finishes == ["stop"] or finishes == ["length"], finishes
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    assert len(text) > 20
    assert all(ch.id == chunks[0].id for ch in chunks)


def openai_stream_helper():
    with oa.chat.completions.stream(model="gpt-4o", messages=MSG, stream_options={"include_usage": True}) as s:
        events = [e.type for e in s]
        final = s.get_final_completion()
    assert "content.delta" in events and "content.done" in events, events
    assert final.choices[0].message.content and final.usage is not None


def anthropic_json():
    m = an.messages.create(model="claude-3-opus-20240229", max_tokens=64, system="Be brief.", messages=AMSG)
    assert m.id.startswith("msg_") and m.type == "message" and m.role == "assistant"
    assert m.content[0].type == "text" and m.content[0].text
    assert m.stop_reason in ("end_turn", "max_tokens") and m.usage.output_tokens > 0


def anthropic_stream_helper():
    with an.messages.stream(model="slow-claude", max_tokens=200, messages=AMSG) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text and final.content[0].text == text
    assert final.usage.output_tokens == 60 or final.stop_reason == "max_tokens", final.usage


def anthropic_stream_raw():
    events = [e.type for e in an.messages.create(model="claude-3-haiku", max_tokens=200, messages=AMSG, stream=True)]
    assert events[:3] == ["message_start", "content_block_start", "ping"] or events[:2] == ["message_start", "content_block_start"], events
    assert events[-3:] == ["content_block_stop", "message_delta", "message_stop"], events


def anthropic_max_tokens_stop():
    m = an.messages.create(model="slow-claude", max_tokens=5, messages=AMSG)
    assert m.stop_reason == "max_tokens" and m.usage.output_tokens == 5


check("openai: JSON completion", openai_json)
check("openai: raw stream with include_usage", openai_stream_raw)
check("openai: stream helper", openai_stream_helper)
check("openai: 429 -> RateLimitError", lambda: expect_error(
    lambda: oa.chat.completions.create(model="err-429", messages=MSG), openai.RateLimitError))
check("openai: 500 -> InternalServerError", lambda: expect_error(
    lambda: oa.chat.completions.create(model="err-500", messages=MSG), openai.InternalServerError))
check("openai: 503 -> InternalServerError", lambda: expect_error(
    lambda: oa.chat.completions.create(model="err-503", messages=MSG), openai.InternalServerError))
check("openai: refused key -> AuthenticationError", lambda: expect_error(
    lambda: openai.OpenAI(api_key="sk-invalid-1", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    .chat.completions.create(model="gpt-4", messages=MSG), openai.AuthenticationError))
check("openai: no messages -> BadRequestError", lambda: expect_error(
    lambda: oa.chat.completions.create(model="gpt-4", messages=[]), openai.BadRequestError))
check("openai: dropped connection raises (not a status error)", lambda: expect_connection_error(
    lambda: list(oa.chat.completions.create(model="fault-disconnect", messages=MSG, stream=True))))

check("anthropic: JSON message", anthropic_json)
check("anthropic: stream helper", anthropic_stream_helper)
check("anthropic: raw stream event order", anthropic_stream_raw)
check("anthropic: max_tokens stop", anthropic_max_tokens_stop)
check("anthropic: 429 -> RateLimitError", lambda: expect_error(
    lambda: an.messages.create(model="err-429", max_tokens=10, messages=AMSG), anthropic.RateLimitError))
check("anthropic: 500 -> InternalServerError", lambda: expect_error(
    lambda: an.messages.create(model="err-500", max_tokens=10, messages=AMSG), anthropic.InternalServerError))
check("anthropic: 529 -> OverloadedError", lambda: expect_error(
    lambda: an.messages.create(model="err-529", max_tokens=10, messages=AMSG), anthropic.OverloadedError))
check("anthropic: refused key -> AuthenticationError", lambda: expect_error(
    lambda: anthropic.Anthropic(api_key="sk-invalid-2", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    .messages.create(model="claude-3-opus", max_tokens=10, messages=AMSG), anthropic.AuthenticationError))
check("anthropic: max_tokens 0 -> BadRequestError", lambda: expect_error(
    lambda: an.messages.create(model="claude-3-opus", max_tokens=0, messages=AMSG), anthropic.BadRequestError))

finish()
