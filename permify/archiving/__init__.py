"""Exactly-once archiving: the archiver (archiver), one run's state (run), polling (poll),
settling lost answers (settle), folder reconcile (reconcile), the ledger and its view of one
folder (ledger, folder_ledger) and the outcome types (outcomes). See docs/architecture.md."""
