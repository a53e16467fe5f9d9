"""Benchmarks: generated GP mailbox, reference tools (mbsync, notmuch), Caducée (later)."""
