"""`inspect-mlebench list` in its three output forms, and the README's status table staying in sync."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from inspect_mlebench.cli import cli
from inspect_mlebench.status_table import catalog_rows, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"
ROW_FIELDS = {
    "id",
    "name",
    "complexity",
    "category",
    "metric",
    "direction",
    "awards_medals",
    "splits",
    "known_issues",
    "grader",
    "preparer",
    "synthetic",
}


def test_list_json_has_all_fields() -> None:
    result = CliRunner().invoke(cli, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 82
    for row in rows:
        assert set(row) == ROW_FIELDS
        assert row["metric"]
        assert row["direction"] in ("higher", "lower")
    pizza = next(r for r in rows if r["id"] == "random-acts-of-pizza")
    assert pizza["known_issues"][0]["kind"] == "leak"
    assert pizza["splits"] == ["low", "all"]


def test_list_split_filters() -> None:
    result = CliRunner().invoke(cli, ["list", "--split", "lite", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 22


def test_list_table_mentions_every_competition() -> None:
    result = CliRunner().invoke(cli, ["list", "--split", "dev"])
    assert result.exit_code == 0, result.output
    for row in catalog_rows("dev"):
        assert row["id"] in result.output


def test_unknown_split_is_a_one_line_error() -> None:
    result = CliRunner().invoke(cli, ["list", "--split", "nope"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "unknown split 'nope'" in lines[0]
    assert "lite" in lines[0]
    assert "systemcard" in lines[0]


def test_readme_status_table_is_current() -> None:
    text = README.read_text()
    match = re.search(r"<!-- status-table:start -->\n(.*?)<!-- status-table:end -->", text, re.S)
    assert match, "README.md lacks the status-table markers"
    assert match.group(1) == markdown_table(catalog_rows()), (
        "README status table is stale: regenerate it with `inspect-mlebench list --markdown`"
    )
