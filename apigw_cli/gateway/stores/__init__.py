"""State shared across snapshots (and, with a shared store, across workers): token buckets and
counters behind one small interface, so a reload never refills a bucket."""
