"""The record of a meeting: every speech, the speakers not reached, totals by category; JSON and CSV.
Pure: built from the view. Times are given on the meeting's clock in its own time zone, with the offset."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.contracts import Category

CSV_COLUMNS = [
    "row",  # speech | not_reached | total
    "order",  # order of speaking; for not_reached, the place on the list
    "delegation",
    "speaker",
    "category",
    "on_behalf_of",
    "called_at",
    "started_at",
    "ended_at",
    "duration_seconds",
    "limit_seconds",
    "overrun_seconds",
    "speeches",  # totals only
]


def _zone(name: str | None):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _local(value: str | None, zone) -> str | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _speaker(inscription: dict) -> str:
    return " ".join(p for p in (inscription.get("speaker_title"), inscription.get("speaker_name")) if p)


def _who(inscription: dict) -> dict[str, Any]:
    return {
        "inscription_id": inscription.get("inscription_id"),
        "delegation": inscription.get("delegation"),
        "speaker": _speaker(inscription),
        "category": inscription.get("category"),
        "on_behalf_of": inscription.get("on_behalf_of"),
    }


def build_record(view: dict[str, Any]) -> dict[str, Any]:
    setup = view.get("setup") or {}
    zone = _zone(setup.get("timezone"))
    speeches = []
    for order, r in enumerate(view.get("record") or [], start=1):
        speeches.append(
            {
                "order": order,
                **_who(r["inscription"]),
                "called_at": _local(r.get("called_at"), zone),
                "started_at": _local(r.get("started_at"), zone),
                "ended_at": _local(r.get("ended_at"), zone),
                "duration_seconds": round(float(r.get("duration_seconds") or 0), 1),
                "limit_seconds": r.get("limit_seconds"),
                "overrun_seconds": round(max(0.0, float(r.get("overrun_seconds") or 0)), 1),
            }
        )
    concluded = view.get("status") == "concluded"
    if concluded:
        not_reached = [{"position": i, **_who(ins)} for i, ins in enumerate(view.get("not_reached") or [], start=1)]
    else:  # so far: those still waiting
        not_reached = [{"position": e.get("position"), **_who(e["inscription"])} for e in view["list"]["speakers"]]
    return {
        "meeting_id": view["meeting_id"],
        "title": setup.get("title"),
        "timezone": setup.get("timezone") or "UTC",
        "status": view.get("status"),
        "final": concluded,
        "seq": view.get("seq"),
        "speeches": speeches,
        "not_reached": not_reached,
        "totals": totals(speeches),
    }


def totals(speeches: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per category (in the contracts' order, those with speeches), then `all`."""
    groups: dict[str, list[dict]] = {}
    for s in speeches:
        groups.setdefault(s["category"] or "unknown", []).append(s)
    order = [c.value for c in Category] + sorted(set(groups) - {c.value for c in Category})
    out = {c: _total(groups[c]) for c in order if c in groups}
    out["all"] = _total(speeches)
    return out


def _total(speeches: list[dict[str, Any]]) -> dict[str, Any]:
    duration = sum(s["duration_seconds"] for s in speeches)
    return {
        "speeches": len(speeches),
        "duration_seconds": round(duration, 1),
        "average_seconds": round(duration / len(speeches), 1) if speeches else 0.0,
        "overrun_seconds": round(sum(s["overrun_seconds"] for s in speeches), 1),
        "overruns": sum(1 for s in speeches if s["overrun_seconds"] > 0),
    }


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def record_csv(record: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for s in record["speeches"]:
        writer.writerow({k: _cell(v) for k, v in {"row": "speech", **s}.items()})
    for n in record["not_reached"]:
        writer.writerow({k: _cell(v) for k, v in {"row": "not_reached", "order": n["position"], **n}.items()})
    for category, t in record["totals"].items():
        writer.writerow(
            {
                "row": "total",
                "category": category,
                "speeches": t["speeches"],
                "duration_seconds": t["duration_seconds"],
                "overrun_seconds": t["overrun_seconds"],
            }
        )
    return out.getvalue()
