"""The disclosure pipeline reads a submission in a fixed number of queries, whatever its size."""

import pytest

from tables.services import disclosure_derive
from tests.factories import synthetic_submission
from units.selectors import submission_get

pytestmark = pytest.mark.django_db

#: Lines, codes, ancestor codes (类/款 names), projects, procurements, purchased services.
PIPELINE_QUERIES = 6


@pytest.mark.parametrize("n_lines", [20, 2_000])
def test_disclosure_derive_query_count_does_not_grow(django_assert_num_queries, n_lines):
    """Loading, deriving and checking all 14 tables takes the same 6 queries for 20 or 2,000 lines."""
    created = synthetic_submission(n_lines, seed=n_lines)
    submission = submission_get(unit_code=created.unit.code, year=created.year)
    with django_assert_num_queries(PIPELINE_QUERIES):
        result = disclosure_derive(submission=submission)
    assert len(result.data.lines) == n_lines
    assert len(result.tables) == 14
