"""Content negotiation of a mocked response: which declared media type answers a request's
`Accept` (RFC 9110 12.5.1). Each range has a weight (`q`, default 1; 0 refuses); a media type takes
the weight of the most specific range that matches it (`type/subtype`, then `type/*`, then `*/*`);
the heaviest wins, ties going to the range written first, then to the spec's order. No Accept (or
only `*/*`): the first JSON media type, else the first declared. Nothing acceptable: None, which the
mock answers 406 with the media types it has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class Range:
    media_type: str  # lower-case, parameters dropped
    weight: float
    order: int

    @property
    def specificity(self) -> int:
        if self.media_type == "*/*":
            return 0
        return 1 if self.media_type.endswith("/*") else 2

    def matches(self, media_type: str) -> bool:
        if self.media_type == "*/*":
            return True
        if self.media_type.endswith("/*"):
            return media_type.startswith(self.media_type[:-1])
        return media_type == self.media_type


def parse_accept(header: str | None) -> list[Range]:
    ranges = []
    for order, part in enumerate((header or "").split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        media_type = pieces[0].lower()
        if not media_type:
            continue
        if "/" not in media_type:
            media_type = "*/*" if media_type == "*" else media_type + "/*"
        weight = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = max(0.0, min(1.0, float(value)))
                except ValueError:
                    weight = 0.0
        ranges.append(Range(media_type, weight, order))
    return ranges


def negotiate(declared: Sequence[str], accept: str | None, is_json: Sequence[bool]) -> str | None:
    """The declared media type to answer with, or None when `accept` refuses them all."""
    if not declared:
        return None
    ranges = parse_accept(accept)
    if not ranges or all(r.media_type == "*/*" and r.weight > 0 for r in ranges):
        default = next((m for m, json in zip(declared, is_json, strict=True) if json and "*" not in m), None)
        return default or declared[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, media_type in enumerate(declared):
        concrete = media_type.lower().split(";")[0].strip()
        matching = [
            r for r in ranges if r.matches(concrete) or (concrete.endswith("/*") and concrete[:-1] in r.media_type)
        ]
        if not matching:
            continue
        most = max(matching, key=lambda r: (r.specificity, -r.order))
        if most.weight <= 0:
            continue
        key = (most.weight, -most.order, -index)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen
