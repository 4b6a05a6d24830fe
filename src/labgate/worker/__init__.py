"""Model workers labgate runs itself: the embedded llama.cpp worker and its supervisor.

The gateway never imports an inference engine: the worker is a separate process reached
over HTTP, like any vLLM or SGLang server.
"""
