"""The racing pairs: a notification and its seizure that link, and the client that posts them.

Each pair is a pre-export notification (DE to GH through NL) and a seizure in NL of the same
ephedrine in the same container a few days after dispatch, with parties of its own. Clients retry
503 (honouring Retry-After) a bounded number of times, as real ones do.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from stdnum import iso6346

from bench import fixtures

EXPORTER, SEIZER, IMPORTER = "DE", "NL", "GH"
RETRIES = 5  # of a request answered 503
LONGEST_WAIT = 5.0  # seconds: the longest Retry-After honoured
FIRST_DAY = date(2025, 1, 6)
SYLLABLES = ("ka", "lo", "mi", "ren", "tu", "vas", "zo", "bel", "dri", "fen", "gor", "hul")


def container(seed: int, n: int) -> str:
    """A container number of its own for pair `n`, with its ISO 6346 check digit."""
    serial = f"RACU{(seed * 7919 + n) % 10**6:06d}"
    return serial + str(iso6346.calc_check_digit(serial))


def _word(n: int) -> str:
    """A made-up firm name of its own for pair `n` (no shared party between pairs)."""
    k = len(SYLLABLES)
    return "".join(SYLLABLES[n // k**i % k] for i in range(4)).capitalize()


def bodies(seed: int, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The notification and the seizure of pair `n`."""
    dispatch = FIRST_DAY + timedelta(days=n * 7 % 350)
    box, word = container(seed, n), _word(n)
    receiver = {"name": f"{word} Pharma Ltd", "address": "Tema", "country": IMPORTER}
    notification = {
        "reference": f"{EXPORTER}-RACE-{n:05d}",
        "notified_on": (dispatch - timedelta(days=30)).isoformat(),
        "importing_country": IMPORTER,
        "exporter": {"name": f"{word} Chemie GmbH", "address": "Hamburg", "country": EXPORTER},
        "importer": receiver,
        "consignee": receiver,
        "items": [
            {
                "substance": "ephedrine",
                "form": "salt",
                "salt": "hydrochloride",
                "quantity": 500,
                "unit": "kg",
                "concentration_percent": 99.5,
            }
        ],
        "exit_point": "DEHAM",
        "entry_point": "GHTEM",
        "transit_countries": [SEIZER],
        "transport_mode": "sea",
        "dispatch_date": dispatch.isoformat(),
        "expected_arrival_date": (dispatch + timedelta(days=30)).isoformat(),
        "containers": [box],
        "bill_of_lading": f"RACE{n:08d}",
        "invoice_number": f"INV-RACE-{n:05d}",
        "end_use": "manufacture of cough syrup",
    }
    seizure = {
        "reference": f"{SEIZER}-RACE-{n:05d}",
        "type": "seizure",
        "occurred_on": (dispatch + timedelta(days=3 + n % 5)).isoformat(),
        "country": SEIZER,
        "place": "NLRTM",
        "items": [
            {"substance": "ephedrine", "quantity": 480, "unit": "kg", "declared_as": "benzoate"}
        ],
        "origin_country": EXPORTER,
        "destination_country": IMPORTER,
        "parties": [
            {"role": "consignee", "name": f"{word.upper()} PHARMA LIMITED", "country": IMPORTER}
        ],
        "containers": [f"{box[:4]} {box[4:10]}-{box[10]}"],
        "modus_operandi": ["mislabelled"],
    }
    return notification, seizure


@dataclass
class Pair:
    """One notification and its seizure, and the ids they were stored under."""

    n: int
    notification: dict[str, Any]
    seizure: dict[str, Any]
    notification_id: str | None = None
    seizure_id: str | None = None


@dataclass
class Tally:
    """What the clients saw: final statuses, 503s retried, latency to the final answer."""

    statuses: Counter[int] = field(default_factory=Counter)
    retried_503: int = 0
    latencies_ms: list[float] = field(default_factory=list)


def _retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("Retry-After", "1"))
    except ValueError:  # an HTTP date: wait the default
        seconds = 1.0
    return min(max(seconds, 0.05), LONGEST_WAIT)


async def send(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], keys: fixtures.Keys, tally: Tally
) -> str | None:
    """POST as the record's authority, retrying 503 a bounded number of times; the stored id."""
    country = EXPORTER if path == "/v1/notifications" else SEIZER
    started = time.perf_counter()
    for attempt in range(RETRIES + 1):
        response = await http.post(path, json=body, headers=keys.headers(country))
        if response.status_code != 503 or attempt == RETRIES:
            break
        tally.retried_503 += 1
        await asyncio.sleep(_retry_after(response))
    tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    tally.statuses[response.status_code] += 1
    return str(response.json()["id"]) if response.status_code in (200, 201) else None


async def race(
    http: tuple[httpx.AsyncClient, httpx.AsyncClient], pair: Pair, keys: fixtures.Keys, t: Tally
) -> None:
    """Release both records of a pair together, one to each process."""
    records = (("/v1/notifications", pair.notification), ("/v1/seizures", pair.seizure))
    to_b = pair.n % 2  # the notification goes to process B for odd pairs
    order = (1, 0) if pair.n // 2 % 2 else (0, 1)  # the seizure first every other two pairs
    gate = asyncio.Event()

    async def fire(k: int) -> str | None:
        await gate.wait()
        return await send(http[(k + to_b) % 2], *records[k], keys, t)

    tasks = {k: asyncio.create_task(fire(k)) for k in order}  # woken in this order
    await asyncio.sleep(0)  # both wait at the gate
    gate.set()
    pair.notification_id, pair.seizure_id = await asyncio.gather(tasks[0], tasks[1])


async def sequentially(
    http: tuple[httpx.AsyncClient, httpx.AsyncClient], pair: Pair, keys: fixtures.Keys, t: Tally
) -> None:
    """The control: the notification to process A, then its seizure to process B."""
    pair.notification_id = await send(http[0], "/v1/notifications", pair.notification, keys, t)
    pair.seizure_id = await send(http[1], "/v1/seizures", pair.seizure, keys, t)
