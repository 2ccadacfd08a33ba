"""Reviewed allow-list for tests/test_dead_code.py (vulture's whitelist format: each line uses a name vulture reports).

Every entry is used where vulture cannot see it: by a library calling it back, by pydantic, by code outside adfgen/
(scripts/, bench/, tests/), or by registration at import. Anything else vulture reports is dead: remove it."""

# ruff: noqa
# type: ignore

# -- called back by libraries ------------------------------------------------------------------------------------------
_.log_message  # adfgen/oauth/consent.py: http.server calls it for every request (overridden: the query holds the code)
_.do_GET  # adfgen/oauth/consent.py: http.server's handler for the consent redirect
_.trust_env  # adfgen/local/transport.py: read by requests.Session (keeps environment proxies off local traffic)
_.ordered_attributes  # adfgen/expressions/library/xmlvalues.py: read by expat (attributes as an ordered list)
_.StartElementHandler  # xmlvalues.py: expat calls these handlers while it parses
_.EndElementHandler  # xmlvalues.py: expat handler
_.CharacterDataHandler  # xmlvalues.py: expat handler
_.XmlDeclHandler  # xmlvalues.py: expat handler
_.StartCdataSectionHandler  # xmlvalues.py: expat handler
_.EndCdataSectionHandler  # xmlvalues.py: expat handler
_.CommentHandler  # xmlvalues.py: expat handler
_.ProcessingInstructionHandler  # xmlvalues.py: expat handler
encoding  # xmlvalues.py: declaration(version, encoding, standalone) is expat's XmlDeclHandler signature
standalone  # xmlvalues.py: the same signature

# -- pydantic reads them ----------------------------------------------------------------------------------------------
_._has_placeholder  # adfgen/spec/model.py: @field_validator / @model_validator methods pydantic runs on validation
_._runtime_name  # spec/model.py: @field_validator
_._trailing_slash  # spec/model.py: @field_validator
_._known_flow  # spec/model.py: @field_validator
_._placeholders_replace_placement  # spec/model.py: @model_validator
_._constants_in_urls  # spec/model.py: @model_validator
_._real_time  # spec/model.py: @field_validator (Schedule.start_time)
slow_down_statuses  # spec/model.py: a spec field (the YAML format, `adfgen schema`); README: a record of the API's statuses
not_secrets  # spec/model.py: a spec field; spec/secrets_check.py reads it from the raw YAML before validation
access_token_expires_in  # adfgen/oauth/status.py: a report dataclass field, written out by `adfgen auth status -o json`
refresh_token_remaining  # oauth/status.py: a report dataclass field, likewise

# -- registered at import: the assignment only keeps a handle ---------------------------------------------------------
add_days  # adfgen/expressions/library/dates.py: _add_units(...) registers the function with @implements as it builds it
add_hours  # dates.py: likewise
add_minutes  # dates.py: likewise
add_seconds  # dates.py: likewise
add_to_time  # dates.py: _to_time(...) registers it
subtract_from_time  # dates.py: _to_time(...) registers it
get_future_time  # dates.py: _relative(...) registers it
get_past_time  # dates.py: _relative(...) registers it
start_of_day  # dates.py: _start_of(...) registers it
start_of_hour  # dates.py: _start_of(...) registers it
start_of_month  # dates.py: _start_of(...) registers it
day_of_month  # dates.py: _part(...) registers it

# -- used outside adfgen/ ---------------------------------------------------------------------------------------------
regenerate  # adfgen/spec/variants/docs.py: scripts/regenerate-readme rewrites the README's generated tables with it
fields_table  # adfgen/spec/catalog.py: writes the README's catalog table; tests/test_catalog_specs.py keeps it equal
clear_cache  # adfgen/check/exprs.py: bench/check.py measures cold runs with it

# -- part of an interface -----------------------------------------------------------------------------------------------
env_dir  # adfgen/check/schema.py: _load's lru_cache key, so a changed $ADFGEN_SCHEMA_DIR loads the schema anew
cache_dir  # check/schema.py: _load's lru_cache key, likewise for the user cache folder
expected  # adfgen/expressions/library/values.py: the engine's wrong-type error builder that library functions are to
# raise (the team's contributor notes name it); kept while no function needs that message yet
