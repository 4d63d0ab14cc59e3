"""Exactly-once archiving: the archiver and its per-run state, polling, settling lost answers,
folder reconcile, the ledger and the outcome types."""
