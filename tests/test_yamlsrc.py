"""YAML input is bounded: size, nesting depth and alias expansion (issue 13, kind 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rtr_audio.yamlsrc import ALIAS_BUDGET, MAX_DEPTH, load_mapping

PATH = Path("show.yml")


def messages(text: str, **kwargs: int) -> list[str]:
    return [f"{p.line}: {p.message}" for p in load_mapping(text, PATH, **kwargs)[1]]


def test_merge_keys_and_small_aliases_are_fine() -> None:
    located, problems = load_mapping(
        "base: &b {name: A, email: a@example.org}\nowner:\n  <<: *b\n  name: B\n", PATH)
    assert problems == [] and located is not None
    assert located.values["owner"] == {"name": "B", "email": "a@example.org"}


def test_aliases_beyond_the_budget_are_refused_at_the_alias() -> None:
    text = "a: &a [" + ", ".join(["x"] * 99) + "]\n" + "".join(
        f"k{i}: *a\n" for i in range(ALIAS_BUDGET // 100 + 1))
    assert messages(text) == [f"{ALIAS_BUDGET // 100 + 2}: YAML aliases expand to more than "
                              f"{ALIAS_BUDGET:,} values (at `*a`); write the values out"]


def test_depth_up_to_the_limit_is_fine_and_beyond_is_refused() -> None:
    assert messages("k: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)) == []
    assert messages("k: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH) == [
        f"1: YAML nested more than {MAX_DEPTH} levels deep"]


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_100000_levels_are_one_problem_not_a_recursion_error(opener: str) -> None:
    text = "k:\n  " + opener * 100_000
    [message] = messages(text, max_chars=10_000_000)
    assert "nested more than" in message


def test_size_limit_and_line_offset_of_front_matter() -> None:
    assert messages("k: v\n" * 10, max_chars=20, first_line=2) == [
        "2: 50 characters of YAML; the limit is 20"]
    assert messages("k: [[[[[[[[[[[[[[[[[[[[[[[\n", first_line=2) == [
        f"2: YAML nested more than {MAX_DEPTH} levels deep"]


def test_a_list_as_key_is_named_by_its_source_text() -> None:
    located, problems = load_mapping("? [a, b]\n: 1\n", PATH)
    assert problems == [] and located is not None and located.values == {"[a, b]": 1}
