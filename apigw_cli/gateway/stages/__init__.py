"""The pipeline's stages, one module each, in the order `pipeline.build_pipeline` lists them. A
policy's module holds all of it: the compiled config, the reader that builds it from the spec
(where the spec has one), and the stage that applies it per request."""
