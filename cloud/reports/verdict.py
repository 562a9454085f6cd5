"""The verdict of a report: limits exceeded (fail), data missing (incomplete), or pass.

A limit is exceeded as the cold-chain evaluation raises alerts: a single excursion at least as
long as the profile's single-excursion time, excursions adding up to at least its cumulative
time (both directions together), or an MKT above its limit. Data is incomplete when some of
the covered time has no reading for longer than the profile's silence limit (at a place with
no probe too), when the stay or shipment is still going on, when derived work that could
change the figures is still queued, or when some of its events are not chained yet.
"""

from collections.abc import Sequence

from cloud.db.rows.coldchain import Profile
from cloud.reports.model import ChainReference, Figures, LimitFigures, Reason, StayFigures, Verdict


def _failures(
    profile: Profile, limits: Sequence[LimitFigures], out_of_range_s: float, overall: Figures
) -> list[Reason]:
    reasons = []
    for limit in limits:
        if limit.single_exceeded:
            reasons.append(
                Reason(
                    f"single_{limit.direction}",
                    {
                        "limit": limit.limit,
                        "longest_s": limit.longest_s,
                        "allowed_s": profile.single_excursion_s,
                    },
                )
            )
    allowed = profile.cumulative_excursion_s
    if allowed is not None and out_of_range_s > 0 and out_of_range_s >= allowed:
        reasons.append(Reason("cumulative", {"total_s": out_of_range_s, "allowed_s": allowed}))
    if profile.mkt_max is not None and overall.mkt is not None and overall.mkt > profile.mkt_max:
        reasons.append(Reason("mkt", {"mkt": overall.mkt, "mkt_max": profile.mkt_max}))
    return reasons


def _gaps(
    profile: Profile | None, stays: Sequence[StayFigures], overall: Figures, ongoing: bool
) -> list[Reason]:
    reasons = []
    if overall.count == 0:
        reasons.append(Reason("no_readings"))
    allowed = profile.silent_after_s if profile is not None else None
    for stay in stays:
        if allowed is None or stay.longest_gap_s <= allowed:
            continue
        where = {"site": stay.span.site_id, "location": stay.span.location}
        if stay.figures.count:
            reasons.append(
                Reason("gap", {**where, "gap_s": stay.longest_gap_s, "allowed_s": allowed})
            )
        elif overall.count:
            reasons.append(Reason("unmonitored", {**where, "gap_s": stay.longest_gap_s}))
    if ongoing:
        reasons.append(Reason("ongoing"))
    return reasons


def decide(
    profile: Profile | None,
    *,
    overall: Figures,
    stays: Sequence[StayFigures],
    limits: Sequence[LimitFigures],
    out_of_range_s: float,
    ongoing: bool,
    pending_work: int,
    chain: Sequence[ChainReference],
    untracked_s: float = 0.0,
) -> Verdict:
    """Fail if a limit was exceeded; else incomplete if data is missing; else pass."""
    missing = _gaps(profile, stays, overall, ongoing)
    if profile is not None and untracked_s > profile.silent_after_s:
        missing.append(Reason("untracked", {"gap_s": untracked_s}))
    if pending_work:
        missing.append(Reason("pending", {"count": pending_work}))
    unchained = sum(c.unchained for c in chain)
    if unchained:
        missing.append(Reason("unchained", {"count": unchained}))
    if profile is None:
        return Verdict("not_assessed", (Reason("no_profile"), *missing))
    failed = _failures(profile, limits, out_of_range_s, overall)
    if failed:
        return Verdict("fail", (*failed, *missing))
    if missing:
        return Verdict("incomplete", tuple(missing))
    return Verdict("pass", (Reason("within_limits"),))
