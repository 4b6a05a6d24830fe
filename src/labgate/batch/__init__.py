"""The OpenAI Files and Batches API: JSONL request files, batches run at the fair-share
scheduler's batch class through the one request path, shared by every replica (docs/batch.md)."""
