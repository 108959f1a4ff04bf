"""Record and replay: the JSONL exchange format, the writer `serve --record` uses, the reader,
and replay with structural diffs."""
