"""State shared across snapshots (and, with a shared store, across workers): token buckets,
counters, cached answers and authorizer decisions behind one small interface (base.py), in this
process's memory or in Redis, so a reload never refills a bucket."""
