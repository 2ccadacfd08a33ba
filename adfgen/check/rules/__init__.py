"""The rule registry: every rule class, by code, in code order."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from adfgen.check.rules.base import Rule
from adfgen.check.rules.data_safety_rules import (CopyOutlivesToken, LookupRowsUnchecked,
                                                  RefreshWithoutStartedKeepAlive, TokenReplySavedUnchecked,
                                                  WatermarkWithoutEveryCopy)
from adfgen.check.rules.expression_rules import AlwaysFails, ExpressionSyntax, FunctionArity, UnknownFunction
from adfgen.check.rules.limit_rules import PipelineLimitExceeded
from adfgen.check.rules.name_rules import BadDependsOn, DuplicateName, InvalidName
from adfgen.check.rules.reference_rules import (ActivityNotUpstream, ItemOutsideForEach, UndeclaredParameter,
                                                UndeclaredResourceParameter, UndeclaredVariable, UnknownActivity)
from adfgen.check.rules.resource_rules import DataFlowReference, MissingRequiredParameter, MissingResource
from adfgen.check.rules.reliability_rules import (AccessTokenSavedFirst, BatchCountAboveLimit, EndlessPagination,
                                                  RefreshTokenSavedWithoutRetry, TokenCallWithoutConcurrencyOne)
from adfgen.check.rules.schema_rules import (BuildWarning, FileNameMismatch, InvalidFile, SchemaViolation,
                                             SpecError, StaleOutput, UnknownType)
from adfgen.check.rules.request_rules import (EncodedPlaceholder, FilterBlindToWatermark, ParameterGivenTwice,
                                              RuleChangesNothingSent, UnresolvedPlaceholder, WatermarkNotSent)
from adfgen.check.rules.secret_flow_rules import (SecretStringParameter, SecretThroughLoggedChannel,
                                                  UnsecuredCredentialInput, UnsecuredSecretConsumer,
                                                  UnsecuredSecretOutput)
from adfgen.check.rules.security_rules import KeyVaultWithoutApiVersion, LiteralSecret

RULE_CLASSES: tuple[type[Rule], ...] = (
    InvalidFile, SchemaViolation, UnknownType, FileNameMismatch, SpecError, StaleOutput, BuildWarning,
    ExpressionSyntax, UnknownFunction, FunctionArity, AlwaysFails,
    UnknownActivity, ActivityNotUpstream, UndeclaredParameter, UndeclaredVariable, UndeclaredResourceParameter,
    ItemOutsideForEach, MissingResource, MissingRequiredParameter, BadDependsOn, DuplicateName, InvalidName,
    DataFlowReference,
    UnsecuredSecretOutput, UnsecuredCredentialInput, UnsecuredSecretConsumer, SecretThroughLoggedChannel,
    SecretStringParameter, LiteralSecret, KeyVaultWithoutApiVersion,
    EndlessPagination, TokenCallWithoutConcurrencyOne, AccessTokenSavedFirst, RefreshTokenSavedWithoutRetry,
    BatchCountAboveLimit,
    RefreshWithoutStartedKeepAlive, TokenReplySavedUnchecked, WatermarkWithoutEveryCopy, LookupRowsUnchecked,
    CopyOutlivesToken,
    PipelineLimitExceeded,
    UnresolvedPlaceholder, EncodedPlaceholder, ParameterGivenTwice, RuleChangesNothingSent, WatermarkNotSent,
    FilterBlindToWatermark,
)
RULES: dict[str, type[Rule]] = {cls.code: cls for cls in RULE_CLASSES}


def all_rules() -> list[Rule]:
    """One instance of every rule."""
    return [cls() for cls in RULE_CLASSES]


def rule_examples(cls: type[Rule], raw: bool = False) -> list[tuple[str, Any]]:
    """("bad"|"good", example) pairs from the docstring's `Bad:`/`Good:` blocks; JSON blocks are parsed.

    An example that is not JSON (prose) is returned as a string; `raw=True` returns every block as written.
    """
    lines = (cls.__doc__ or "").splitlines()
    examples: list[tuple[str, list[str]]] = []
    for line in lines:
        stripped = line.strip()
        if stripped in ("Bad:", "Good:"):
            examples.append((stripped[:-1].lower(), []))
        elif examples:
            examples[-1][1].append(line)
    result: list[tuple[str, Any]] = []
    for label, block in examples:
        text = textwrap.dedent("\n".join(block)).strip()
        if raw:
            result.append((label, text))
            continue
        try:
            result.append((label, json.loads(text)))
        except ValueError:
            result.append((label, text))
    return result
