"""Rate limits kept in the platform database, so that every worker process counts together.

The algorithm is pyrate-limiter's GCRA (a leaky bucket kept as one number per rate and key);
this module only stores that number: one row of `rate_limits` per key, read and written in
one transaction that holds the row's lock (`PlatformStateStore`: the row is made if missing,
then read `FOR UPDATE`), so two workers never both spend the last unit: the second waits for
the first's commit and reads what it wrote.

    limiter = RateLimiter(db, RateLimits())
    wait_s = limiter.spend("register-address", "203.0.113.7")   # 0 when allowed
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pyrate_limiter import Duration, Rate, RateItem
from pyrate_limiter.abstracts.algorithm import Decision, State, StateAlgorithm
from pyrate_limiter.abstracts.store import StateStore
from pyrate_limiter.buckets.state_bucket import StateBucket
from pyrate_limiter.clocks import WallClock

from central.db import PlatformDB
from central.tables import rate_limits

KEY_CHARS = 200


@dataclass(frozen=True)
class RateLimits:
    """Per kind of key: how many attempts, per how long (a burst of that many at once)."""

    register_per_terminal: tuple[int, int] = (5, 15 * int(Duration.MINUTE))
    register_per_address: tuple[int, int] = (20, int(Duration.HOUR))
    face_lookups_per_terminal: tuple[int, int] = (120, int(Duration.HOUR))
    standing_lookups_per_terminal: tuple[int, int] = (120, int(Duration.HOUR))
    staff_logins_per_address: tuple[int, int] = (30, 15 * int(Duration.MINUTE))

    def rates(self, kind: str) -> list[Rate]:
        limit, interval_ms = {
            "register-terminal": self.register_per_terminal,
            "register-address": self.register_per_address,
            "face-lookup": self.face_lookups_per_terminal,
            "standing-lookup": self.standing_lookups_per_terminal,
            "staff-login": self.staff_logins_per_address,
        }[kind]
        return [Rate(limit, int(interval_ms))]


class PlatformStateStore(StateStore):
    """One key's GCRA state in the platform database, updated atomically."""

    is_async = False
    default_clock = WallClock()  # shared by processes: wall time, not a monotonic clock

    def __init__(self, db: PlatformDB, bucket: str, ttl_s: float) -> None:
        self._db = db
        self._bucket = bucket
        self._ttl_s = ttl_s

    def check(
        self, algorithm: StateAlgorithm, rates: list[Rate], now: int, weight: int
    ) -> Decision:
        with self._db.transaction() as tx:
            # The row exists (made with no state yet if new), then is locked until commit.
            tx.execute(
                tx.insert(rate_limits)
                .values(bucket=self._bucket, state="null", expires_ts=time.time() + self._ttl_s)
                .on_conflict_do_nothing()
            )
            text = tx.execute(
                sa.select(rate_limits.c.state)
                .where(rate_limits.c.bucket == self._bucket)
                .with_for_update()
            ).scalar_one()
            state = _decode(algorithm, rates, text)
            new_state, decision = algorithm.step(rates, state, now, weight)
            if decision.allowed:
                tx.execute(
                    sa.update(rate_limits)
                    .where(rate_limits.c.bucket == self._bucket)
                    .values(state=json.dumps(list(new_state)), expires_ts=time.time() + self._ttl_s)
                )
            return decision

    def read(self, algorithm: StateAlgorithm, rates: list[Rate]) -> State:
        rows = self._db.rows(
            sa.select(rate_limits.c.state).where(rate_limits.c.bucket == self._bucket)
        )
        return _decode(algorithm, rates, rows[0][0] if rows else None)

    def reset(self) -> None:
        with self._db.transaction() as tx:
            tx.execute(sa.delete(rate_limits).where(rate_limits.c.bucket == self._bucket))


def _decode(algorithm: StateAlgorithm, rates: list[Rate], text: str | None) -> State:
    if text is None:
        return algorithm.initial(rates)
    values: Any = json.loads(text)
    if not isinstance(values, list) or len(values) != len(rates):
        return algorithm.initial(rates)  # the limits changed: start afresh
    return tuple(int(v) for v in values)


class RateLimiter:
    def __init__(self, db: PlatformDB, limits: RateLimits) -> None:
        self._db = db
        self._limits = limits
        self._last_sweep = 0.0

    def spend(self, kind: str, key: str) -> float:
        """Spend one attempt of `kind` for `key`; 0 when allowed, else seconds to wait."""
        rates = self._limits.rates(kind)
        bucket_name = f"{kind}:{key[:KEY_CHARS]}"
        ttl_s = max(rate.interval for rate in rates) / 1000
        bucket = StateBucket(rates, store=PlatformStateStore(self._db, bucket_name, ttl_s))
        item = RateItem(bucket_name, bucket.now())
        self._sweep()
        if bucket.put(item):
            return 0.0
        waiting = bucket.waiting(item)
        assert isinstance(waiting, int)
        return max(1.0, math.ceil(waiting / 1000)) if waiting > 0 else 1.0

    def _sweep(self) -> None:
        """Drop the rows of keys idle past their window (at most once a minute)."""
        now = time.time()
        if now - self._last_sweep < 60:
            return
        self._last_sweep = now
        with self._db.transaction() as tx:
            tx.execute(sa.delete(rate_limits).where(rate_limits.c.expires_ts < now))
