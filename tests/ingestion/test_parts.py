"""Workers split a chunk by loader before handing it back: each share keeps its rows in input order."""

from __future__ import annotations

from reporting.ingestion.encode import Accepted, split_parts
from reporting.ingestion.loader import Staged


def _rows() -> list[Accepted]:
    ids = [7, 4, 9, 4, 12, 3, 7, 10, 5]
    return [(n, member_id, n % 4 == 0, f"line {n} of {member_id}\n".encode()) for n, member_id in enumerate(ids, 1)]


def test_each_share_holds_its_loaders_ids_in_input_order() -> None:
    rows = _rows()
    for parts in (1, 2, 3):
        shares = split_parts(rows, parts)
        assert len(shares) == parts
        for k, (data, ids, deletions) in enumerate(shares):
            mine = [row for row in rows if row[1] % parts == k]
            assert ids == [row[1] for row in mine]
            assert data == b"".join(row[3] for row in mine)
            assert deletions == sum(1 for row in mine if row[2])


def test_staged_shares_add_up_to_the_rows_of_a_part() -> None:
    rows = _rows()
    staged = Staged()
    for chunk in (rows[:4], rows[4:], []):
        staged.add(split_parts(chunk, 2)[1])
    odd = [row for row in rows if row[1] % 2 == 1]
    assert staged.ids == [row[1] for row in odd]
    assert b"".join(staged.data) == b"".join(row[3] for row in odd)
    assert staged.deletions == sum(1 for row in odd if row[2])
    assert len(staged) == len(odd)
    whole = Staged.of(rows)
    assert (whole.ids, b"".join(whole.data), whole.deletions) == (
        [row[1] for row in rows],
        b"".join(row[3] for row in rows),
        sum(1 for row in rows if row[2]),
    )
