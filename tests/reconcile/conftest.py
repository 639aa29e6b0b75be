"""An app over the project's real graph (in memory), and the official reconciliation schemas.

The schemas are ``../shared/standards/reconciliation/{0.2,1.0-draft}/schemas``
(beside the checkout): every file of a version goes into one offline
``referencing`` registry, since ``manifest.json`` refers to ``type.json`` and to
the Swagger 2.0 schema by URL. The tests that need them skip when the folder is
missing, and fail under ``CI=true``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from api.settings import Settings
from api.store.oxigraph import OxigraphStore
from api.web.app import create_app
from tests.conftest import SHARED, require_shared
from tests.rest.conftest import project_store

STANDARDS = SHARED / "standards" / "reconciliation"


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,
        store_path=tmp_path_factory.mktemp("reconcile"),
        store_backend="inprocess",
        public_base_url="http://testserver/",
        query_timeout=10,
    )
    app = create_app(settings, store=OxigraphStore(project_store()))
    with TestClient(app) as c:
        yield c


def _registry(folder: Path) -> Registry:
    registry: Registry = Registry()
    for path in sorted(folder.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        registry = registry.with_resource(contents.get("$id", path.name).rstrip("#"), resource)
        # manifest.json says "$ref": "type.json", resolved against its own $id
        base = contents.get("$id", "").rsplit("/", 1)[0]
        registry = registry.with_resource(f"{base}/{path.name}", resource)
    return registry


Validate = Callable[[str, str, Any], None]


@pytest.fixture(scope="session")
def validate() -> Validate:
    """``validate(version, schema_name, document)``: raises when the document does not conform."""
    folder = require_shared(STANDARDS, "the reconciliation JSON Schemas")
    cache: dict[tuple[str, str], Draft7Validator] = {}

    def check(version: str, name: str, document: Any) -> None:
        key = (version, name)
        if key not in cache:
            schemas = folder / version / "schemas"
            schema = json.loads((schemas / f"{name}.json").read_text(encoding="utf-8"))
            cache[key] = Draft7Validator(schema, registry=_registry(schemas))
        errors = sorted(cache[key].iter_errors(document), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    return check
