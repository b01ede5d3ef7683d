"""A set's candidate entities for its parties' names, kept current as the set resolves them."""

import bisect
from dataclasses import dataclass
from typing import Protocol

from app.matching.names import name_tokens

BLOCK_CAP = 50
NAME_MAX = 200
Tokens = tuple[str, ...]


def spelling(name: str, normalized: str) -> tuple[str, Tokens]:
    """A spelling with its canonical tokens, read off its stored normalised form (tokens hold no
    spaces) unless that was cut at NAME_MAX: candidates' names need no tokenising again.

    So a change to the normaliser must re-normalise the stored spellings, as it must already
    re-key their blocking keys (a migration, as 0003's backfill did)."""
    if len(normalized) < NAME_MAX:
        return name, tuple(normalized.split())
    return name, tuple(name_tokens(name))


class Entity(Protocol):
    """What resolution reads of an entity: a stored candidate's values or the entity itself."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def normalized_name(self) -> str: ...
    @property
    def country(self) -> str | None: ...
    @property
    def lei(self) -> str | None: ...
    @property
    def vat(self) -> str | None: ...
    @property
    def eori(self) -> str | None: ...
    @property
    def merged_into(self) -> str | None: ...


@dataclass
class Pool:
    """The candidate entities of a record's parties, loaded in three queries for all of them,
    and kept current as entities and spellings are added while they are resolved."""

    blocks: dict[str, list[str]]
    parties: dict[str, Entity]
    spellings: dict[str, list[tuple[str, Tokens]]]
    known: set[tuple[str, str]]  # (party id, normalised name) of the spellings held
    common: set[str]  # blocks too common to hold (more than BLOCK_CAP parties)

    def candidates(self, lookups: list[str], exclude: str | None) -> list[Entity]:
        """Live entities under these keys, in key order."""
        ids = dict.fromkeys(i for k in sorted(set(lookups)) for i in self.blocks.get(k, ()))
        found = (self.parties.get(i) for i in ids if i != exclude)
        return [p for p in found if p is not None and p.merged_into is None]

    def add(self, party: Entity, normalized: str, name: str, blocks: set[str]) -> None:
        """Take in a spelling just stored (of a new or known entity)."""
        self.parties.setdefault(party.id, party)
        self.spellings.setdefault(party.id, []).append(spelling(name, normalized))
        self.known.add((party.id, normalized))
        for block in (blocks & self.blocks.keys()) - self.common:
            held = self.blocks[block]
            # As the store reads a block: its ids in id order, none once it holds too many.
            if party.id not in held:
                bisect.insort(held, party.id)
                if len(held) > BLOCK_CAP:
                    held.clear()
                    self.common.add(block)
