"""What every planner shares: render jobs, ARM bindings, the plan, names, constants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adfgen.spec.model import Api, Endpoint, FactoryConfig

ANNOTATIONS = ["adfgen"]
CONTROLLER_FOLDER = "Controller Pipelines"
WORKER_FOLDER = "Worker Pipelines"
DATASET_FOLDER = "adfgen"
DEFAULT_WATERMARK = "1900-01-01T00:00:00Z"
BATCH_ID = "if(empty(pipeline().parameters.BatchId), pipeline().RunId, pipeline().parameters.BatchId)"
FREQUENCY_SECONDS = {"Minute": 60, "Hour": 3600, "Day": 86400, "Week": 604800, "Month": 2678400}


@dataclass(frozen=True)
class RenderJob:
    """One resource to render: its kind, name, template file and context."""

    kind: str
    name: str
    template: str
    context: dict[str, Any] = field(hash=False)



@dataclass(frozen=True)
class ArmBinding:
    """An environment-specific value that becomes an ARM template parameter where it appears under `keys`
    (in `resources` only, when given: two sinks may share a value today and differ in another environment)."""

    parameter: str
    value: str
    keys: frozenset[str]  # the JSON keys under which the value is replaced
    resources: frozenset[str] | None = None  # resource names; None: any resource
    member: str | None = None  # a property of an object parameter (one per API, issue 12); None: a string parameter

    @property
    def reference(self) -> str:
        """The ARM expression that reads the value: `[parameters('p')]` or `[parameters('p').member]`."""
        return f"[parameters('{self.parameter}')" + (f".{self.member}]" if self.member else "]")



@dataclass
class FactoryPlan:
    """Everything needed to render and write one factory."""

    config: FactoryConfig
    jobs: list[RenderJob] = field(default_factory=list)
    arm_bindings: list[ArmBinding] = field(default_factory=list)
    secret_names: set[str] = field(default_factory=set)
    written_secret_names: set[str] = field(default_factory=set)  # the refresh pipelines PUT these

    def bind(self, parameter: str, value: str, keys: set[str], resources: set[str] | None = None) -> None:
        """Make `value` (under `keys`) the ARM parameter `parameter`, suffixing the name if another value has it."""
        taken = {b.parameter: b.value if b.member is None else None for b in self.arm_bindings}
        name, counter = parameter, 1
        while name in taken and taken[name] != value:
            counter += 1
            name = f"{parameter}{counter}"
        self.arm_bindings.append(ArmBinding(name, value, frozenset(keys),
                                            frozenset(resources) if resources is not None else None))

    def bind_member(self, parameter: str, member: str, value: str, keys: set[str], resources: set[str]) -> None:
        """Make `value` (under `keys`, in `resources`) the property `member` of the object parameter `parameter`;
        one object per API keeps a factory of many APIs within ARM's 256 parameters."""
        strings = {b.parameter for b in self.arm_bindings if b.member is None}
        name, counter = parameter, 1
        while name in strings:
            counter += 1
            name = f"{parameter}{counter}"
        members = {b.member: b.value for b in self.arm_bindings if b.parameter == name and b.member}
        key, counter = member, 1
        while key in members and members[key] != value:
            counter += 1
            key = f"{member}{counter}"
        self.arm_bindings.append(ArmBinding(name, value, frozenset(keys), frozenset(resources), key))
    concurrency_limits: dict[str, int] = field(default_factory=dict)



class Names:
    """Resource names from the factory's naming patterns."""

    def __init__(self, config: FactoryConfig):
        self.naming = config.naming

    def linked_service(self, base: str) -> str:
        """Linked service name for `base`."""
        return self.naming.linked_service.format(name=base)

    def dataset(self, base: str) -> str:
        """Dataset name for `base`."""
        return self.naming.dataset.format(name=base)

    def pipeline(self, base: str) -> str:
        """Pipeline name for `base`."""
        return self.naming.pipeline.format(name=base)

    def trigger(self, base: str) -> str:
        """Trigger name for `base`."""
        return self.naming.trigger.format(name=base)



def state_sink(config: FactoryConfig) -> str | None:
    """The file sink that keeps pipeline state (watermarks), or None when the factory has no file sink."""
    if config.state_sink:
        return config.state_sink
    files = [n for n in sorted(config.sinks) if config.sinks[n].holds_files]
    if config.default_sink in files:
        return config.default_sink
    return files[0] if files else None


def resolve_sink(config: FactoryConfig, api: Api, endpoint: Endpoint) -> str:
    """The sink an endpoint lands in: its own, the API's, the factory default, or the only one."""
    return endpoint.sink or api.sink or config.default_sink or next(iter(sorted(config.sinks)))



def worker_units(api: Api) -> list[list[Endpoint]]:
    """Endpoints grouped so that children run right after their parent, in the spec's order."""
    children: dict[str, list[Endpoint]] = {}
    for endpoint in api.endpoints:
        if endpoint.parent:
            children.setdefault(endpoint.parent.endpoint, []).append(endpoint)
    return [[e] + children.get(e.name, []) for e in api.endpoints if e.parent is None]
