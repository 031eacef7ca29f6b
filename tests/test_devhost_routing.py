"""Route templates and the router of the dev host, without a server.

The same behaviour is checked over HTTP in test_devhost_server.py; here the corner cases
of the ASP.NET template syntax are cheap to enumerate.
"""

from __future__ import annotations

import pytest

from devhost.routing import (
    Match,
    MethodNotAllowed,
    NoRoute,
    Router,
    RouteTemplate,
    split_path,
)


def params(template: str, path: str) -> dict[str, str] | None:
    return RouteTemplate(template).match(split_path(path))


def test_literal_segments_match_case_insensitively() -> None:
    assert params("Projects/List", "/projects/LIST") == {}
    assert params("projects/list", "/projects/other") is None


def test_trailing_slash_is_ignored() -> None:
    assert params("projects/{id}", "/projects/7/") == {"id": "7"}


def test_segments_are_percent_decoded_one_by_one() -> None:
    assert split_path("/api/M%C3%A4ngd/a%2Fb") == ["api", "Mängd", "a/b"]
    assert params("echo/{text}", "/echo/M%C3%A4ngd") == {"text": "Mängd"}
    assert params("echo/{text}", "/echo/a%2Fb") == {"text": "a/b"}
    assert params("echo/{text}", "/echo/a+b") == {"text": "a+b"}


def test_literal_with_non_ascii_matches_the_decoded_path() -> None:
    assert params("mängd/{id}", "/M%C3%84NGD/1") == {"id": "1"}


def test_parameter_needs_a_non_empty_segment() -> None:
    assert params("a/{x}/b", "/a//b") is None
    assert params("a/{x}", "/a") is None


def test_extra_segments_do_not_match() -> None:
    assert params("a/{x}", "/a/1/2") is None


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        ("int", ["0", "-7", "+3", "2147483647"], ["2147483648", "4.2", "x", "٣"]),
        ("long", ["9223372036854775807"], ["9223372036854775808", "1e3"]),
        ("bool", ["true", "FALSE"], ["yes", "1"]),
        (
            "guid",
            [
                "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                "3F2504E04F8911D39A0C0305E82C3301",
                "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
                "(3f2504e0-4f89-11d3-9a0c-0305e82c3301)",
            ],
            ["3f2504e0-4f89-11d3-9a0c", "3f2504e0-4f89-11d3-9a0c-0305e82c330g"],
        ),
        ("alpha", ["abcXYZ"], ["abc1", "Mängd"]),
        ("decimal", ["12.50", "-3", ".5", "1,000.25"], ["1e5", "abc", "1.2.3"]),
        ("double", ["1e5", "-0.5", "3", "NaN", "-Infinity"], ["1e", "abc", "0x10"]),
        ("float", ["3.14", "2E-3"], ["pi"]),
        ("datetime", ["2024-02-29", "2024-02-29T10:30", "2024-02-29T10:30+01:00"], ["2023-02-29"]),
        ("datetime", ["20240229"], ["tomorrow", "29/02/2024"]),
        ("minlength(3)", ["abc", "abcd"], ["ab"]),
        ("maxlength(3)", ["abc", "a"], ["abcd"]),
        ("length(3)", ["abc"], ["ab", "abcd"]),
        ("length(2,4)", ["ab", "abcd"], ["a", "abcde"]),
        ("min(10)", ["10", "11"], ["9", "x"]),
        ("max(10)", ["10", "-5"], ["11", "x"]),
        ("range(1,5)", ["1", "5"], ["0", "6", "x"]),
        (r"regex(^[a-z]{{2}}\d$)", ["ab1", "AB1"], ["abc1", "a1"]),
        ("regex(^(red|green)$)", ["red", "green"], ["blue", "redgreen"]),
        ("regex(\\d)", ["a1b"], ["ab"]),  # not anchored unless the pattern says so
        ("required", ["x"], []),
        ("int:min(1)", ["1", "99"], ["0", "x"]),
        ("int:range(1,5):max(3)", ["3"], ["4"]),
    ],
)
def test_constraints(constraint: str, good: list[str], bad: list[str]) -> None:
    template = RouteTemplate(f"v/{{value:{constraint}}}")
    for value in good:
        assert template.match(["v", value]) == {"value": value}, value
    for value in bad:
        assert template.match(["v", value]) is None, value


def test_constraint_names_are_case_insensitive() -> None:
    assert params("v/{x:INT}", "/v/5") == {"x": "5"}


def test_optional_parameter() -> None:
    assert params("rows/{page?}", "/rows") == {}
    assert params("rows/{page?}", "/rows/3") == {"page": "3"}
    assert params("rows/{page:int?}", "/rows/x") is None


def test_default_values_fill_absent_segments() -> None:
    assert params("docs/{lang=sv}", "/docs") == {"lang": "sv"}
    assert params("docs/{lang=sv}", "/docs/en") == {"lang": "en"}
    assert params("docs/{n:int=5}", "/docs") == {"n": "5"}
    assert params("{a=x}/{b=y}", "/") == {"a": "x", "b": "y"}
    assert params("{a=x}/b", "/") is None


@pytest.mark.parametrize("template", ["files/{*path}", "files/{**path}"])
def test_catch_all_takes_the_rest_or_nothing(template: str) -> None:
    assert params(template, "/files/a/b/c.txt") == {"path": "a/b/c.txt"}
    assert params(template, "/files/one") == {"path": "one"}
    assert params(template, "/files") == {}
    assert params(template, "/files/") == {}
    assert params(template, "/other/a") is None


def test_catch_all_constraint_and_default() -> None:
    assert params("f/{*rest:minlength(4)}", "/f/a/bc") == {"rest": "a/bc"}
    assert params("f/{*rest:minlength(4)}", "/f/ab") is None
    assert params("f/{*rest=index}", "/f") == {"rest": "index"}


def test_parameter_names_keep_their_spelling() -> None:
    assert params("p/{projectId:guid}", "/p/3f2504e0-4f89-11d3-9a0c-0305e82c3301") == {
        "projectId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    }


def test_regex_may_contain_slashes_colons_and_escaped_braces() -> None:
    assert params(r"d/{x:regex(^\d{{4}}:\d{{2}}$)}", "/d/2024:05") == {"x": "2024:05"}
    assert params("d/{x:regex(^a/b$)}", "/d/a%2Fb") == {"x": "a/b"}


@pytest.mark.parametrize(
    "template",
    [
        "a/{x:unknown}",
        "a/{x:min(a)}",
        "a/{x:range(1)}",
        "a/{x:length(1,2,3)}",
        "a/{x:regex([)}",
        "a/{x:regex(abc}",
        "a/{x",
        "a/x}",
        "a/{}",
        "a/{:int}",
        "a/{x}/{x}",
        "a/{X}/{x}",
        "a/{*rest}/b",
        "a/{x?}/b",
        "a/{*rest?}",
        "a/{***rest}",
        "a/{x}.{y}",
        "a/pre{x}",
        "a//b",
    ],
)
def test_bad_templates_are_refused_clearly(template: str) -> None:
    with pytest.raises(ValueError, match=r"route|constraint|regex"):
        RouteTemplate(template)


def router_with(*routes: tuple[str, list[str] | None, str], prefix: str = "api") -> Router[str]:
    router: Router[str] = Router(prefix)
    for template, methods, handler in routes:
        router.add(template, methods, handler)
    return router


def test_router_returns_handler_and_params() -> None:
    router = router_with(("projects/{id:guid}/rows/{row:int?}", ["GET"], "rows"))
    found = router.resolve("/api/projects/3f2504e0-4f89-11d3-9a0c-0305e82c3301/rows/12", "GET")
    assert found == Match("rows", {"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "row": "12"})


def test_router_prefix() -> None:
    router = router_with(("ping", None, "ping"))
    assert router.resolve("/API/ping", "GET") == Match("ping", {})
    assert router.resolve("/ping", "GET") == NoRoute()
    assert router.resolve("/apix/ping", "GET") == NoRoute()
    assert router.reserves("/api/anything")
    assert router.reserves("/api")
    assert not router.reserves("/app/page")


def test_router_multi_segment_and_empty_prefix() -> None:
    nested = router_with(("ping", None, "ping"), prefix="/api/v1/")
    assert nested.resolve("/api/v1/ping", "GET") == Match("ping", {})
    assert nested.resolve("/api/ping", "GET") == NoRoute()

    bare = router_with(("ping", None, "ping"), prefix="")
    assert bare.resolve("/ping", "GET") == Match("ping", {})
    assert not bare.reserves("/ping")


def test_route_at_the_prefix_itself() -> None:
    router = router_with(("/", ["GET"], "root"))
    assert router.resolve("/api", "GET") == Match("root", {})
    assert router.resolve("/api/", "GET") == Match("root", {})


def test_no_methods_accepts_every_method() -> None:
    every: list[list[str] | None] = [None, []]
    for methods in every:
        router = router_with(("any", methods, "any"))
        for method in ("GET", "POST", "DELETE", "OPTIONS", "PROPFIND"):
            assert router.resolve("/api/any", method) == Match("any", {})


def test_methods_are_case_insensitive() -> None:
    router = router_with(("x", ["get"], "x"))
    assert router.resolve("/api/x", "GET") == Match("x", {})
    assert router.resolve("/api/x", "get") == Match("x", {})


def test_wrong_method_lists_what_the_path_allows() -> None:
    router = router_with(
        ("items/{id:int}", ["GET", "DELETE"], "one"),
        ("items/{name}", ["PUT"], "named"),
        ("other", ["POST"], "other"),
    )
    assert router.resolve("/api/items/5", "PATCH") == MethodNotAllowed(("DELETE", "GET", "PUT"))
    assert router.resolve("/api/items/x", "PATCH") == MethodNotAllowed(("PUT",))
    # No magic: HEAD is not implied by GET.
    assert router.resolve("/api/items/5", "HEAD") == MethodNotAllowed(("DELETE", "GET", "PUT"))


def test_method_filters_before_specificity() -> None:
    router = router_with(("items/{id:int}", ["GET"], "int"), ("items/{name}", ["POST"], "name"))
    assert router.resolve("/api/items/5", "GET") == Match("int", {"id": "5"})
    assert router.resolve("/api/items/5", "POST") == Match("name", {"name": "5"})


@pytest.mark.parametrize(
    ("path", "winner"),
    [
        ("/api/items/new", "literal"),
        ("/api/items/5", "constrained"),
        ("/api/items/x", "parameter"),
        ("/api/items/x/y", "optional"),
        ("/api/items/x/y/z", "catch-all"),
        ("/api/items", "catch-all"),
    ],
)
def test_most_specific_template_wins(path: str, winner: str) -> None:
    router = router_with(
        ("items/{*rest}", ["GET"], "catch-all"),
        ("items/{name}/{extra?}", ["GET"], "optional"),
        ("items/{name}", ["GET"], "parameter"),
        ("items/{id:int}", ["GET"], "constrained"),
        ("items/new", ["GET"], "literal"),
    )
    found = router.resolve(path, "GET")
    assert isinstance(found, Match)
    assert found.handler == winner


def test_specificity_is_compared_segment_by_segment() -> None:
    router = router_with(
        ("{a}/fixed", ["GET"], "parameter-then-literal"),
        ("fixed/{b}", ["GET"], "literal-then-parameter"),
    )
    assert router.resolve("/api/fixed/fixed", "GET") == Match(
        "literal-then-parameter", {"b": "fixed"}
    )


def test_first_registered_wins_a_tie() -> None:
    router = router_with(("t/{a}", ["GET"], "first"), ("t/{b}", ["GET"], "second"))
    assert router.resolve("/api/t/1", "GET") == Match("first", {"a": "1"})


def test_unknown_path_is_no_route() -> None:
    router = router_with(("items", ["GET"], "items"))
    assert router.resolve("/api/nothing", "GET") == NoRoute()
    assert router.resolve("/", "GET") == NoRoute()
