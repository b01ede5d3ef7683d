"""The committed OpenAPI spec matches the app, documents its errors, and holds under a fuzz run."""

import asyncio
import copy
import importlib.util
import json
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import delete, insert, select

from app.auth import service as auth_service
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.kit.clock import Clock
from app.main import create_app
from app.models import Base
from tests import payloads
from tests.conftest import NOW, SEEDED

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = ROOT / "openapi" / "openapi.json"
EXPORT_SCRIPT = ROOT / "scripts" / "export_openapi.py"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
# Liveness, readiness and metrics take no input and no key, so they need not document a 4xx; if they
# ever take a key or parameters, the 401 and 422 rules below apply to them as to every route.
PROBES = {"/healthz", "/readyz", "/metrics"}

MAX_EXAMPLES = 15
KEY_ROLES = {"DE": "reporter,viewer,investigator,admin", "NG": "reporter"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _export_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_openapi", EXPORT_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _app_spec() -> dict[str, Any]:
    spec: dict[str, Any] = create_app(Settings()).openapi()
    return spec


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


# --- (a) the committed file is the app's spec ----------------------------------------------------


def test_committed_spec_matches_app() -> None:
    script = _export_script()
    spec = _app_spec()
    wanted = script.render(spec)
    assert wanted == json.dumps(spec, indent=2, sort_keys=True) + "\n"
    assert SPEC_FILE.exists(), f"{SPEC_FILE} is missing: run `python scripts/export_openapi.py`"
    current = SPEC_FILE.read_text(encoding="utf-8")
    if current != wanted:
        pytest.fail(
            "openapi/openapi.json differs from the app's spec; run "
            "`python scripts/export_openapi.py` and commit the file.\n"
            + script.diff(current, wanted, SPEC_FILE),
            pytrace=False,
        )


# --- (b) every operation has a summary and documents problem+json errors -------------------------


def _problem_statuses(operation: dict[str, Any]) -> set[str]:
    """Return the 4xx statuses documented as problem+json with the Problem schema."""
    found = set()
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        schema = content.get(PROBLEM, {}).get("schema", {})
        if status.startswith("4") and schema.get("$ref") == PROBLEM_REF:
            found.add(status)
    return found


def test_every_operation_has_summary_and_documents_problem_errors() -> None:
    spec = _app_spec()
    assert PROBLEM_REF.rsplit("/", 1)[1] in spec["components"]["schemas"]
    missing = []
    for method, path, operation in _operations(spec):
        label = f"{method} {path}"
        if not operation.get("summary"):
            missing.append(f"{label}: no summary")
        for status, response in operation.get("responses", {}).items():
            content = response.get("content", {})
            if status.startswith("4") and PROBLEM not in content:
                missing.append(f"{label}: {status} is not documented as {PROBLEM}")
        documented = _problem_statuses(operation)
        if not documented and path not in PROBES:
            missing.append(f"{label}: no 4xx documented as {PROBLEM} with the Problem schema")
        wanted = set()
        if operation.get("security"):
            wanted.add("401")
        if operation.get("parameters"):
            wanted.add("422")
        if "requestBody" in operation:
            wanted |= {"400", "422"}
        for status in sorted(wanted - documented):
            missing.append(f"{label}: {status} is not documented as {PROBLEM} (Problem schema)")
    assert not missing, "\n".join(missing)


# --- (c) a seeded, bounded schemathesis run against the migrated database ------------------------
#
# Schemathesis generates schema-valid and schema-invalid requests for every operation. Most of those
# stop at validation, so the create and change operations also get "near-valid" requests: a valid
# body with up to two fields replaced by odd values, which reach the services and the database.

_DROP = object()
_ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "nul\x00byte",
    "Ω" * 200,
    "ä",
    "0",
    "de",
    "XX",
    "NLRTM",
    "MSCU1234566",
    "csqu 305438-3",
    "176-12345675",
    "ephedrine",
    "Pseudoephedrine Hydrochloride",
    "299-42-3",
    "acetic-anhydride",
    "pmk-glycidate",
    "TO ORDER",
    "l",
    "ml",
    "preparation",
    "hydrochloride",
    "1970-01-01",
    "2100-12-31",
    "2026-02-30",
]
# Ids that are valid for the schema (at most 64 characters) but never issued by the app.
_ODD_IDS = ["nul\x00id", "Ω" * 64]
_ODD_NUMBERS = [0, -1, 1e-7, 0.000001, 99.999999, 100, 100.000001, 1e12, 1e12 + 1, 2**53 + 1, 1e300]
_ODD_TEXT = st.one_of(st.sampled_from(_ODD_STRINGS), st.text(max_size=40))
_ODD_NUMBERS_ST = st.one_of(
    st.sampled_from(_ODD_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
)
_ODD_DATES = st.dates().map(lambda d: d.isoformat())
_ANY_ODD = st.one_of(
    st.just(_DROP),
    st.none(),
    st.booleans(),
    _ODD_NUMBERS_ST,
    _ODD_TEXT,
    _ODD_DATES,
    st.lists(_ODD_TEXT, max_size=3),
    st.just({}),
)


def _odd_like(value: Any) -> st.SearchStrategy[Any]:
    """Odd values, mostly of the same JSON type as `value` so that they pass the schema."""
    same: st.SearchStrategy[Any]
    if isinstance(value, bool):
        same = st.booleans()
    elif isinstance(value, str):
        same = st.one_of(_ODD_TEXT, _ODD_DATES)
    elif isinstance(value, int | float):
        same = _ODD_NUMBERS_ST
    elif isinstance(value, list):
        same = st.one_of(st.just([]), st.just(value * 2), st.lists(_ODD_TEXT, max_size=3))
    else:
        same = st.just(_DROP)
    return st.one_of(same, same, same, _ANY_ODD)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Yield the path of every field and list element inside a body."""
    children: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _edit(body: Any, edits: list[tuple[tuple[Any, ...], Any]]) -> Any:
    body = copy.deepcopy(body)
    for path, value in edits:
        parent = body
        try:
            for key in path[:-1]:
                parent = parent[key]
            if value is _DROP:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced this path
    return body


def _value_at(body: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        body = body[key]
    return body


def _stamp(body: Any, serial: int) -> Any:
    """Number the references (`NV-REF...`) in a body: mostly new records, a few replays."""
    if isinstance(body, dict):
        return {key: _stamp(value, serial) for key, value in body.items()}
    if isinstance(body, list):
        return [_stamp(value, serial) for value in body]
    if isinstance(body, str) and body.startswith("NV-REF"):
        return f"DE-NV-{serial}{body.removeprefix('NV-REF')}"
    return body


def _near_valid(body: Any) -> st.SearchStrategy[Any]:
    """Bodies that differ from a valid one in up to two places (or not at all)."""
    edit = st.sampled_from(list(_paths(body))).flatmap(
        lambda path: st.tuples(st.just(path), _odd_like(_value_at(body, path)))
    )
    edited = st.lists(edit, max_size=2).map(lambda edits: _edit(body, edits))
    return st.tuples(edited, st.integers(min_value=1, max_value=10**6)).map(
        lambda drawn: _stamp(*drawn)
    )


def _inbound_notification() -> dict[str, Any]:
    """A notification from Nigeria to Germany, so that the DE key may reply and confirm arrival."""
    return payloads.notification(
        "NG-ST-1",
        importing_country="DE",
        exporter={"name": "Lagos Pharma Ltd", "country": "NG"},
        importer={"name": "Chemwerk Hamburg GmbH", "country": "DE"},
        consignee=None,
        other_parties=[],
        exit_point="NGLOS",
        entry_point="DEHAM",
        transit_countries=[],
    )


def _near_valid_cases(
    ids: dict[str, str],
) -> dict[str, tuple[dict[str, list[Any]], Any]]:
    """Per operation: the path parameter choices and a valid body to start from."""
    item = {"substance": "ephedrine", "quantity": 490, "unit": "kg"}
    notification = payloads.notification("NV-REF")
    seizure = payloads.seizure("NV-REF")
    outbound, inbound = ids["outbound"], ids["inbound"]
    return {
        "POST /v1/notifications": ({}, notification),
        "POST /v1/notifications/batch": (
            {},
            {"items": [payloads.notification("NV-REF-1"), payloads.notification("NV-REF-2")]},
        ),
        "POST /v1/notifications/{notification_id}/reply": (
            {"notification_id": [inbound]},
            {"decision": "objection", "reason": "no import licence", "replied_on": "2026-11-10"},
        ),
        "POST /v1/notifications/{notification_id}/arrival": (
            {"notification_id": [inbound]},
            {"received_on": "2027-01-10", "items": [item]},
        ),
        "POST /v1/notifications/{notification_id}/withdraw": (
            {"notification_id": [outbound, inbound]},
            {"reason": "order cancelled"},
        ),
        "POST /v1/notifications/{notification_id}/suspend": (
            {"notification_id": [outbound, inbound]},
            {"reason": "under investigation"},
        ),
        "POST /v1/seizures": ({}, seizure),
        "POST /v1/seizures/batch": (
            {},
            {"items": [payloads.seizure("NV-REF-1"), payloads.seizure("NV-REF-2")]},
        ),
        "PATCH /v1/seizures/{seizure_id}": (
            {"seizure_id": [ids["seizure"]]},
            {
                "occurred_on": "2026-12-21",
                "items": [{**item, "declared_as": "sodium benzoate"}],
                "parties": seizure["parties"],
                "containers": ["CSQU3054383"],
                "notes": "re-weighed",
            },
        ),
        "PUT /v1/alr/{country}/{substance}/{year}": (
            {
                "country": ["DE", "NG", "de"],
                "substance": ["ephedrine", "Pseudoephedrine", "299-42-3", "acetic-anhydride"],
                "year": [1990, 2026, 2100],
            },
            {"kg": 1200},
        ),
    }


async def _create_keys(database_url: str) -> dict[str, str]:
    """Create an all-roles authority in DE and a reporter in NG; return their keys."""
    engine = create_engine(database_url, pool_size=1, echo=False)
    keys = {}
    try:
        async with create_sessionmaker(engine)() as session:
            for country, roles in KEY_ROLES.items():
                _, keys[country] = await auth_service.create_authority(
                    session,
                    country=country,
                    name=f"Schemathesis {country}",
                    roles=roles.split(","),
                    now=NOW,
                )
            await session.commit()
    finally:
        await engine.dispose()
    return keys


async def _seeded(database_url: str) -> dict[Any, list[dict[str, Any]]]:
    """The rows of the tables the migrations seed, as they are before the run."""
    engine = create_engine(database_url, pool_size=1, echo=False)
    try:
        async with create_sessionmaker(engine)() as session:
            return {
                t: [dict(r) for r in (await session.execute(select(t))).mappings()] for t in SEEDED
            }
    finally:
        await engine.dispose()


async def _empty_tables(database_url: str, seeded: dict[Any, list[dict[str, Any]]]) -> None:
    """Leave the shared test database as the `app` fixture leaves it: empty, but for what the
    migrations seed (the feed counter's row), which later tests need."""
    engine = create_engine(database_url, pool_size=1, echo=False)
    try:
        async with create_sessionmaker(engine)() as session:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(delete(table))
            for table, rows in seeded.items():
                if rows:
                    await session.execute(insert(table), rows)
            await session.commit()
    finally:
        await engine.dispose()


def _seed(app: Any, keys: dict[str, str]) -> dict[str, str]:
    """Store notifications both ways and a seizure, so id-addressed routes meet real records."""
    posts = {
        "outbound": ("DE", "/v1/notifications", payloads.notification("DE-ST-1")),
        "inbound": ("NG", "/v1/notifications", _inbound_notification()),
        "seizure": ("DE", "/v1/seizures", payloads.seizure("DE-ST-1")),
    }
    ids = {}
    with asgi.get_client(app) as client:
        for name, (country, path, body) in posts.items():
            response = client.post(path, json=body, headers=_bearer(keys[country]))
            assert response.status_code == 201, response.text
            ids[name] = response.json()["id"]
    return ids


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _generated(
    operation: Any, headers: dict[str, str], ids: dict[str, str]
) -> st.SearchStrategy[Any]:
    """Schemathesis' positive and negative cases, also aimed at the seeded records."""
    names = {p.name for p in operation.path_parameters}
    seeded = {
        "notification_id": [ids["outbound"], ids["inbound"], *_ODD_IDS],
        "seizure_id": [ids["seizure"], *_ODD_IDS],
    }
    choices = [
        {name: value} for name, values in seeded.items() if name in names for value in values
    ]
    strategies = []
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(mode, headers=headers))
        strategies.extend(
            operation.as_strategy(mode, headers=headers, path_parameters=fixed) for fixed in choices
        )
    return st.one_of(strategies).map(_bounded)


def _bounded(case: Any) -> Any:
    """Keep long-polls and event streams short: the fuzzer's client times out after 10 s."""
    query = dict(case.query or {})
    if isinstance(query.get("wait"), int) and query["wait"] > 1:
        query["wait"] = 1
    if case.path.endswith("/stream"):
        query.update(timeout=1, max_events=3)
    case.query = query
    return case


def _near_valid_strategy(
    operation: Any, headers: dict[str, str], params: dict[str, list[Any]], body: Any
) -> st.SearchStrategy[Any]:
    path_parameters = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in params.items()})
    return st.tuples(path_parameters, _near_valid(body)).map(
        lambda drawn: operation.Case(
            path_parameters=drawn[0],
            headers=headers,
            body=drawn[1],
            media_type="application/json",
        )
    )


def _fuzz(strategy: st.SearchStrategy[Any], headers: dict[str, str]) -> str | None:
    """Run a bounded, derandomised Hypothesis search; describe the failure it finds."""

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    # Schemathesis reports failed checks as a BaseExceptionGroup; the app's errors as themselves.
    except (Exception, BaseExceptionGroup) as exc:
        return _describe(exc)
    return None


# Lines of SQLAlchemy and Hypothesis reports that say nothing about the failing request.
_NOISE = ("(Background on this error", "Failing test case", "    case=", ")")


def _describe(exc: BaseException) -> str:
    """Summarise a failure: the app's frames, the error, and the request that reproduces it."""
    frames = []
    seen: BaseException | None = exc
    while seen is not None:
        for frame in traceback.extract_tb(seen.__traceback__):
            path = Path(frame.filename)
            if path.is_relative_to(ROOT / "app"):
                frames.append(f"  {path.relative_to(ROOT)}:{frame.lineno} in {frame.name}")
        seen = seen.__cause__ or seen.__context__
    summary, in_sql = [], False
    for line in "".join(traceback.format_exception_only(exc)).splitlines():
        in_sql = (in_sql or line.startswith("[SQL:")) and not line.startswith("[parameters:")
        if not in_sql and line.strip() and not line.startswith(_NOISE):
            summary.append(line)
    return "\n".join([*dict.fromkeys(frames), *summary])


def test_schemathesis_finds_no_server_error_and_responses_conform(database_url: str) -> None:
    seeded = asyncio.run(_seeded(database_url))
    keys = asyncio.run(_create_keys(database_url))
    headers = _bearer(keys["DE"])
    settings = Settings(database_url=database_url, log_json=True, log_level="ERROR", db_pool_size=5)
    app = create_app(settings, Clock(fixed=NOW))
    started = time.monotonic()
    failures: dict[str, str] = {}
    try:
        # Loading the schema over ASGI starts the app's lifespan: its engine on the real database.
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        ids = _seed(app, keys)
        near_valid = _near_valid_cases(ids)
        for result in schema.get_all_operations():
            if not isinstance(result, Ok):
                failures[f"invalid operation #{len(failures)}"] = str(result.err())
                continue
            operation = result.ok()
            failure = _fuzz(_generated(operation, headers, ids), headers)
            if failure is not None:
                failures[f"{operation.label} (generated)"] = failure
            if operation.label in near_valid:
                params, body = near_valid.pop(operation.label)
                strategy = _near_valid_strategy(operation, headers, params, body)
                failure = _fuzz(strategy, headers)
                if failure is not None:
                    failures[f"{operation.label} (near-valid)"] = failure
    finally:
        asgi.shutdown_lifespans()
        asyncio.run(_empty_tables(database_url, seeded))
    elapsed = time.monotonic() - started
    assert not near_valid, f"operations not in the schema: {sorted(near_valid)}"
    report = "\n\n".join(f"=== {label}\n{text}" for label, text in failures.items())
    assert not failures, f"{len(failures)} fuzz run(s) failed:\n{report}"
    assert elapsed < 120, f"the fuzz run took {elapsed:.0f} s; keep it bounded"
