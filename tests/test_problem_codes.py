"""The problem codes are declared once, and the OpenAPI document states them."""

import pytest

from shared.openapi import PROBLEM_SCHEMA
from shared.problems import Problem, ProblemCode, http_error


def test_problem_schema_code_enum_is_every_problem_code() -> None:
    assert PROBLEM_SCHEMA["properties"]["code"]["enum"] == [code.value for code in ProblemCode]


def test_problem_refuses_a_code_the_contract_does_not_list() -> None:
    with pytest.raises(ValueError, match="no_such_code"):
        Problem(400, "no_such_code")


def test_problem_body_carries_the_plain_code_string() -> None:
    assert Problem(404, ProblemCode.NOT_FOUND).body()["code"] == "not_found"


@pytest.mark.parametrize("status", [400, 414, 431, 501, 505])
def test_the_hosts_framing_refusals_have_codes(status: int) -> None:
    """http.server's own refusals (devhost send_error) become problems with listed codes."""
    assert http_error(status).body()["status"] == status
