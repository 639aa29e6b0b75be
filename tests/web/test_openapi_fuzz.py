"""schemathesis over ``/openapi.json``: what each operation answers is what it declares.

Every operation of the app's OpenAPI document, over a real (fixture) build,
with schema-valid requests and, for operations with query parameters or a
body, schema-violating ones (bounded, derandomized examples): no server error, and
no status, media type or JSON body that the document does not declare.

(schemathesis's own pytest loader, ``schemathesis.pytest.from_fixture``, does
not run under pytest 9; the operations are parametrized here instead.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks

from api.settings import Settings
from api.web.app import create_app

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
MAX_EXAMPLES = 10


def _settings(store_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        store_path=store_path,
        store_backend="inprocess",
        public_base_url="http://testserver/",
        query_timeout=10,
    )


def _cases() -> list[tuple[str, GenerationMode]]:
    """(operation label, mode): every operation positive; negative when there is a
    query parameter or a body to violate (a string path segment cannot be)."""
    document = create_app(_settings(Path("unused"))).openapi()
    cases = []
    for result in schemathesis.openapi.from_dict(document).get_all_operations():
        operation = result.ok()
        cases.append((operation.label, GenerationMode.POSITIVE))
        raw = operation.definition.raw
        if raw.get("requestBody") or any(p["in"] == "query" for p in raw.get("parameters", [])):
            cases.append((operation.label, GenerationMode.NEGATIVE))
    return cases


@pytest.fixture(scope="module")
def api_schema(fixture_build) -> Iterator[schemathesis.BaseSchema]:
    out, _report = fixture_build
    app = create_app(_settings(Path(out)))
    with TestClient(app):  # runs the lifespan: the store opens once for every case
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(("label", "mode"), _cases(), ids=lambda v: getattr(v, "value", v))
def test_operation_answers_as_documented(
    api_schema: schemathesis.BaseSchema, label: str, mode: GenerationMode
) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    exercise()
