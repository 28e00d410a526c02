"""Recover a row whose digits a crawler ran together ("230000023" for a row of 7 cells).

A split is accepted only when it is the single one that fits the digits and the table's identities
(e.g. the six applicant columns sum to 总计); anything else stays unknown — a value is never guessed.
"""
from __future__ import annotations

from typing import Callable, Sequence

# Longest number one cell may hold: keeps the search small (28591 licensing decisions is 5 digits).
MAX_DIGITS = 7
# Search budget: beyond it the row is reported unreadable rather than slowing the parse down.
MAX_STEPS = 200_000


class TooManySplits(Exception):
    pass


def splits(tokens: Sequence[str], n: int, accept: Callable[[list[int]], bool] | None = None,
           partial: Callable[[list[int]], bool] | None = None, limit: int = 50) -> list[list[int]]:
    """All ways to cut the digit strings ``tokens`` (in order) into ``n`` numbers.

    A token boundary is always a cut; "0" stands alone (no leading zeros). ``accept`` filters
    complete splits, ``partial`` prunes a prefix early. At most ``limit`` results are returned.
    """
    text = "".join(tokens)
    if len(text) == n and text.isdigit():
        # As many digits as cells: one digit a cell is the only split (the common "0000000").
        one = [int(ch) for ch in text]
        if partial is not None and not all(partial(one[:k]) for k in range(1, n + 1)):
            return []
        return [one] if accept is None or accept(one) else []
    forced = set()
    pos = 0
    for t in tokens[:-1]:
        pos += len(t)
        forced.add(pos)
    out: list[list[int]] = []
    steps = 0

    def walk(i: int, acc: list[int]) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            raise TooManySplits
        if len(out) >= limit:
            return
        left = n - len(acc)
        if i == len(text):
            if left == 0 and (accept is None or accept(acc)):
                out.append(list(acc))
            return
        if left == 0 or len(text) - i < left:
            return
        max_len = 1 if text[i] == "0" else MAX_DIGITS
        for j in range(i + 1, min(len(text), i + max_len) + 1):
            if any(f in forced for f in range(i + 1, j)):
                break  # a piece may not cross a token boundary
            acc.append(int(text[i:j]))
            if partial is None or partial(acc):
                walk(j, acc)
            acc.pop()
            if j in forced:
                break

    walk(0, [])
    return out


def group_totals(group: int) -> Callable[[list[int]], bool]:
    """Identity "last of each group of ``group`` cells is the sum of the others" (row_total, appeal_total)."""

    def ok(values: list[int]) -> bool:
        k = len(values)
        if k % group:
            return True
        block = values[k - group:]
        return sum(block[:-1]) == block[-1]

    return ok
