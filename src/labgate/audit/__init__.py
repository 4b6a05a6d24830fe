"""labgate's tamper-evident audit log and encrypted transcripts.

What the log promises:

* **Durable before answered.** ``await AuditLog.append(record)`` returns only after the
  transaction holding the record has committed (SQLite with ``synchronous=FULL``, PostgreSQL
  with ``synchronous_commit=on``). A request whose record did not commit gets no answer, so after
  a crash every answered request has its record.
* **Append-only, verifiably.** Records are the leaves of an RFC 6962 Merkle tree. Nothing in
  the log is ever updated or deleted; any change to a stored record, its order, or the tail is
  found by ``labgate audit verify``, which names the first record that does not match.
* **Signed, consistent checkpoints.** The log signs its size and root (a C2SP tlog checkpoint,
  Ed25519) every few seconds while it grows, and only after proving the new tree extends the
  last one it signed: it never signs two checkpoints that contradict each other. Whoever kept an
  old checkpoint can check the log only grew since (``verify --from-checkpoint``).
* **Proofs for anyone.** Inclusion and consistency proofs verify per RFC 9162 with nothing but
  hashes and a checkpoint; they reveal nothing about other records.
* **Texts are sealed.** Prompts, reasoning and responses live only as AES-256-GCM ciphertexts
  (a fresh data key each, wrapped by a rotating master key) and are deleted after the retention
  period; records keep only their SHA-256 digests, which stay forever.
* **Two people to read.** A transcript opens only for an auditor whose request a different
  auditor approved, within its scope and before its expiry; filing, approving and reading are
  themselves records. Administrators without the auditor role cannot read transcripts.

What it does not promise: an operator who controls the database and the signing key can
rewrite history and sign it; outsiders catch that by keeping checkpoints (or by witnesses
cosigning them) and checking consistency. Records are not secret from auditors and platform
administrators; transcripts are.

Modules: :mod:`.merkle` (hashes, proofs, RFC 9162 verification), :mod:`.tree` (perfect
subtrees, compact range), :mod:`.storage` (SQL driver), :mod:`.log` (group commit, proofs),
:mod:`.note` and :mod:`.checkpoint` (signed checkpoints), :mod:`.verify`, :mod:`.export`,
:mod:`.keyring` and :mod:`.transcripts` (encryption at rest), :mod:`.access` (two-person rule),
:mod:`.routes` (HTTP), :mod:`.cli` (``labgate audit``).
"""
