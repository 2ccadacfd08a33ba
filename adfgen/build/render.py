"""The only Jinja user: renders templates (user directory over the built-in one) into resource dicts."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import orjson

from adfgen.build import activity_names
from adfgen.core.errors import AdfgenError
from adfgen.build.contexts import RenderJob
from adfgen.core.resources import Resource


def builtin_dir(name: str) -> Path:
    """A data directory shipped with adfgen: inside the wheel, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent.parent  # adfgen/
    packaged = package / "_data" / name
    return packaged if packaged.is_dir() else package.parent / name


def _tojson(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


@lru_cache(maxsize=8)
def _environment(user_dir: str | None) -> jinja2.Environment:
    search = ([user_dir] if user_dir else []) + [str(builtin_dir("templates"))]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(search), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = _tojson
    env.globals["act"] = activity_names  # the activity names the contexts refer to (`act.COPY_CHUNK`)
    return env


def render_job(job: RenderJob, template_dir: Path | None = None) -> Resource:
    """Render one job and parse it back into a Resource; template errors name the template."""
    env = _environment(str(template_dir) if template_dir else None)
    try:
        text = env.get_template(job.template).render(**job.context)
    except jinja2.TemplateNotFound as exc:
        raise AdfgenError(f"template not found: {exc.name}") from None
    except jinja2.TemplateError as exc:
        raise AdfgenError(f"template {_where(job.template, exc)}: {exc}") from None
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise AdfgenError(f"template {job.template} rendered invalid JSON for {job.name}: "
                          f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(doc, dict) or "properties" not in doc:
        raise AdfgenError(f"template {job.template} must render an object with 'name' and 'properties'")
    return Resource(job.kind, job.name, doc["properties"])


def _where(name: str, exc: jinja2.TemplateError) -> str:
    """`file:line` of a template error (a --templates override or the built-in file), else the template's name."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    tb = exc.__traceback__ if line is None else None
    while tb is not None:  # a render-time error: Jinja puts template frames in the traceback; the innermost is it
        if tb.tb_frame.f_code.co_filename.endswith(".jinja"):
            filename, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return f"{filename or name}:{line}" if line else name
