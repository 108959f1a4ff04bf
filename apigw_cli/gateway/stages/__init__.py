"""One module per pipeline stage, in the order `compile.build_pipeline` lists them."""
