"""Variants of the spec: auth flows, pagination kinds and sinks, each one small unit behind a registry.

Each kind of variant is a sub-package (`auth/`, `pagination/`, `sinks/`); every module in it registers one unit.
Adding a variant means adding one module there (plus its tests): the spec model, validation, the build's contexts,
the README tables and `adfgen schema` all read the registry. CONTRIBUTING.md has the recipe."""
