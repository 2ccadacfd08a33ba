"""Which API `adfgen auth` works on: its spec (auth, secret names) and the factory config of the chosen environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adfgen.core.errors import UsageError
from adfgen.spec.model import Api, FactoryConfig


@dataclass(frozen=True)
class AuthTarget:
    """One API of one factory: the spec's auth and secret names, the factory's vault and naming."""

    api: Api
    config: FactoryConfig

    @property
    def refresh_pipeline(self) -> str:
        """The generated refresh pipeline's name (factory naming applied to `<api>_refresh`)."""
        return self.config.naming.pipeline.format(name=f"{self.api.name}_refresh")


def load_target(api_name: str, env: str | None, spec_paths: list[Path] | None = None) -> AuthTarget:
    """The API named `api_name` in the project's specs (./specs), with `env`'s overrides."""
    from adfgen.build import default_spec_paths
    from adfgen.spec import load_specs

    loaded = load_specs(spec_paths or default_spec_paths(), env)
    names = []
    for item in loaded:
        for api in item.spec.apis:
            names.append(api.name)
            if api.name == api_name:
                return AuthTarget(api, item.factory)
    raise UsageError(f"no API named {api_name!r} in the specs; known: {', '.join(sorted(names)) or 'none'}")
