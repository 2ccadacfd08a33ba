"""Run ADF pipelines on this machine over real HTTP with ADF's documented semantics (`adfgen run`)."""
