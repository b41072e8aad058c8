"""scenario.toml: a bad key or value is named with its line, in every table.

What each test checks, and how, is in this folder's conftest.py.
"""

from __future__ import annotations

import re
import shutil

import pytest


def test_toml_syntax_error_with_its_line(folder, rejected):
    line = folder.line_of("scenario.toml", 'objective = "cost"')
    folder.edit("scenario.toml", 'objective = "cost"', 'objective = "cost')
    error = rejected(folder, rf"scenario\.toml:{line}: syntax: expected valid TOML, got .*")
    assert error.problems[0].line == line


def test_unknown_objective(folder, rejected):
    line = folder.line_of("scenario.toml", "objective = ")
    folder.edit("scenario.toml", 'objective = "cost"', 'objective = "profit"')
    rejected(folder, rf"scenario\.toml:{line}: objective: expected one of cost, margin, got profit")


def test_file_reference_leaving_the_folder(folder, rejected):
    shutil.copy(folder / "legs.csv", folder.parent / "x.csv")  # it exists, but outside
    folder.use_files(legs="../x.csv")
    line = folder.line_of("scenario.toml", "legs = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: files\.legs: expected a path inside the scenario folder, "
        r"got \.\./x\.csv",
    )


def test_file_reference_by_absolute_path(folder, rejected):
    shutil.copy(folder / "legs.csv", folder.parent / "x.csv")
    folder.use_files(legs=str(folder.parent / "x.csv"))
    line = folder.line_of("scenario.toml", "legs = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: files\.legs: expected a path inside the scenario folder, "
        r"got /.*x\.csv",
    )


def test_unknown_file_key(folder, rejected):
    folder.use_files(roads="roads.csv")
    line = folder.line_of("scenario.toml", "roads = ")
    rejected(folder, rf"scenario\.toml:{line}: files\.roads: expected one of nodes, .*, got roads")


def test_unknown_customs_mode_in_scenario_toml(folder, rejected):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write("\n[customs.9999]\nfee_cny_per_t = 1.0\n")
    line = folder.line_of("scenario.toml", "[customs.9999]")
    rejected(
        folder,
        rf"scenario\.toml:{line}: customs\.9999: expected a customs mode among 0110, 9610, "
        r"9710, 9810, 1210, got 9999",
    )


def test_customs_fee_not_a_number(folder, rejected):
    folder.edit("scenario.toml", "fee_cny_per_t = 20.0", 'fee_cny_per_t = "x"')
    line = folder.line_of("scenario.toml", 'fee_cny_per_t = "x"')
    rejected(folder, rf"scenario\.toml:{line}: customs\.9610\.fee_cny_per_t: expected .*, got x")


def test_currency_rate_not_a_number(folder, rejected):
    folder.edit("scenario.toml", "USD = 7.1", 'USD = "x"')
    line = folder.line_of("scenario.toml", "USD = ")
    rejected(folder, rf"scenario\.toml:{line}: currency_rates\.USD: expected .*, got x")


def test_ambient_temperatures_not_numbers(folder, rejected):
    folder.edit("scenario.toml", "ambient_temp_c = [20.0, 18.0]", 'ambient_temp_c = ["a", "b"]')
    line = folder.line_of("scenario.toml", "ambient_temp_c = ")
    rejected(
        folder,
        rf"scenario\.toml:{line}: periods\.ambient_temp_c: "
        r"expected a number or a list of 2 numbers, got .*",
    )


def test_leg_rule_of_unknown_kind(folder, rejected):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[leg_rules]]\nfrom = "hamlet"\nto = "county_hub"\nmode = "road"\n')
    line = folder.line_of("scenario.toml", "[[leg_rules]]")
    rejected(
        folder, rf"scenario\.toml:{line}: leg_rules\[1\]: expected a valid leg rule, got .*hamlet.*"
    )


def test_leg_rule_max_km_not_a_number(folder, rejected):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write(
            '\n[[leg_rules]]\nfrom = "village"\nto = "county_hub"\nmode = "road"\nmax_km = "far"\n'
        )
    line = folder.line_of("scenario.toml", "max_km = ")
    rejected(folder, rf"scenario\.toml:{line}: leg_rules\[1\]\.max_km: expected a number, got far")


def test_leg_rules_not_an_array_of_tables(folder, rejected):
    path = folder / "scenario.toml"
    path.write_text('leg_rules = "x"\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    rejected(
        folder, r"scenario\.toml:1: leg_rules: expected an array of tables \[\[leg_rules\]\], got x"
    )


# --- settings tables ([collection], [design], [consolidation]) -------------------------
def add_table(folder, table: str, body: str) -> int:
    """Append ``[table]`` with ``body`` (one line) to scenario.toml; the body's line."""
    return folder.append("scenario.toml", f"\n[{table}]\n{body}")


def test_unknown_design_key(folder, rejected):
    line = add_table(folder, "design", "time_limt = 60")
    rejected(
        folder,
        rf"scenario\.toml:{line}: design\.time_limt: expected a key of \[design\] "
        r"\(abroad_weeks, bound, build, .*time_limit.*\), got time_limt",
    )


@pytest.mark.parametrize(
    "body, pattern",
    [
        ('gap = "small"', r"design\.gap: expected a number in \[0, 1\], got small"),
        ('trips = "whole"', r"design\.trips: expected one of integer, linear, got whole"),
        ("threads = 0", r"design\.threads: expected an integer >= 1, got 0"),
        ('start = "yes"', r"design\.start: expected true or false, got yes"),
    ],
)
def test_bad_design_value(folder, rejected, body, pattern):
    line = add_table(folder, "design", body)
    rejected(folder, rf"scenario\.toml:{line}: {pattern}")


def test_bad_collection_value(folder, rejected):
    line = folder.line_of("scenario.toml", "day_start_h")
    folder.edit("scenario.toml", "day_start_h = 6.0", "day_start_h = 30.0")
    rejected(
        folder,
        rf"scenario\.toml:{line}: collection\.day_start_h: "
        r"expected a number in \[0, 24\], got 30.0",
    )


def test_negative_consolidation_margin(folder, rejected):
    line = add_table(folder, "consolidation", "margin = -0.1")
    rejected(
        folder, rf"scenario\.toml:{line}: consolidation\.margin: expected a number >= 0, got -0.1"
    )


# --- every table of scenario.toml: unknown keys and values of the wrong kind -----------
@pytest.mark.parametrize(
    ("old", "new", "field", "keys"),
    [
        (
            "clearance_hours = 24.0\n[customs.9810]",
            "clearance_hour = 24.0\n[customs.9810]",
            r"customs\.9710\.clearance_hour",
            r"a key of \[customs\.9710\] \(clearance_hours, fee_cny_per_t, source\)",
        ),
        (
            "[periods]\n",
            "[periods]\nweek = 3\n",
            r"periods\.week",
            r"a key of \[periods\] \(ambient_temp_c, labels, start, weeks\)",
        ),
        (
            'name = "today"\n',
            'name = "today"\ndeminimis = ["TH"]\n',
            r"regimes\[1\]\.deminimis",
            r"a key of \[\[regimes\]\] \(de_minimis, description, effective, name\)",
        ),
        (
            'markets = ["CN", "TH"]',
            'markets = ["CN", "TH"]\nmax_storage_week = 0',
            r"products\.fresh_kiwi\.max_storage_week",
            r"a key of \[products\.fresh_kiwi\] \(access, export_value_cny_per_kg, "
            r"green_channel, hs_code, markets, max_storage_weeks, name, perishable, shelf_life, "
            r"source, value_cny_per_kg\)",
        ),
        (
            "[products.fresh_kiwi.shelf_life]",
            "[products.fresh_kiwi.shelf_life]\nlife_days = 60",
            r"products\.fresh_kiwi\.shelf_life\.life_days",
            r"a key of \[products\.fresh_kiwi\.shelf_life\] \(ca_max_temp_c, .*, "
            r"life_days_at_ref, .*\)",
        ),
        (
            "USD = 7.1",
            "USD = 7.1\n\n[design]\nthreads = 1\n[desing]\ngap = 0.1",
            "desing",
            r"a top-level key \(collection, consolidation, countries, currency, currency_rates, "
            r"customs, default_regime, description, design, .*\)",
        ),
        (
            'default_regime = "today"',
            'default_regime = "today"\nmarket = ["CN"]',
            "market",
            r"a top-level key \(.*, leg_rules, name, objective, periods, plans, products, "
            r"regimes, sources, trade\)",
        ),
    ],
    ids=["customs", "periods", "regimes", "products", "shelf_life", "top_level_table", "top_level"],
)
def test_misspelled_key_is_reported_with_its_line(folder, rejected, old, new, field, keys):
    folder.edit("scenario.toml", old, new)
    key = field.rpartition("\\.")[2].replace("\\", "")
    line = [
        number
        for number, text in enumerate(
            (folder / "scenario.toml").read_text(encoding="utf-8").splitlines(), start=1
        )
        if re.match(rf"\[?{re.escape(key)}\b", text)
    ][0]
    error = rejected(folder, rf"scenario\.toml:{line}: {field}: expected {keys}, got {key}")
    assert len(error.problems) == 1


def test_leg_rule_misspelled_key_names_its_line_and_the_keys(folder, rejected):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write(
            '\n[[leg_rules]]\nfrom = "village"\nto = "county_hub"\nmode = "road"\nspeedy = 9\n'
        )
    line = folder.line_of("scenario.toml", "speedy")
    rejected(
        folder,
        rf"scenario\.toml:{line}: leg_rules\[1\]\.speedy: expected a key of \[\[leg_rules\]\] "
        r"\(.*, speed_kmh, .*\), got speedy",
    )


def test_product_value_not_a_number_names_the_key_and_line(folder, rejected):
    line = folder.line_of("scenario.toml", "value_cny_per_kg = 6.0")
    folder.edit("scenario.toml", "value_cny_per_kg = 6.0", 'value_cny_per_kg = "six"')
    error = rejected(
        folder,
        rf"scenario\.toml:{line}: products\.fresh_kiwi\.value_cny_per_kg: "
        r"expected a number >= 0, got six",
    )
    assert len(error.problems) == 1


def test_product_without_hs_code_names_the_product_table(folder, rejected):
    line = folder.line_of("scenario.toml", "[products.fresh_kiwi]")
    folder.edit("scenario.toml", 'hs_code = "0810.50"', "")
    rejected(
        folder,
        rf"scenario\.toml:{line}: products\.fresh_kiwi\.hs_code: "
        r'expected an HS code as a string \("0810\.50"\), got none',
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "pattern"),
    [
        (
            'hs_code = "0810.50"',
            "hs_code = 810.5",
            r"products\.fresh_kiwi\.hs_code",
            r'expected an HS code as a string \("0810\.50"\), got 810\.5',
        ),
        (
            'markets = ["CN", "TH"]',
            'markets = "CN"',
            r"products\.fresh_kiwi\.markets",
            r"expected a list of countries \(ISO alpha-2 strings\), got CN",
        ),
        (
            "perishable = false",
            'perishable = "no"',
            r"products\.embroidery\.perishable",
            "expected true or false, got no",
        ),
        (
            'effective = "2025-11-10"',
            "effective = 2025-11-10",
            r"regimes\[1\]\.effective",
            "expected a string, got 2025-11-10",
        ),
        (
            "clearance_hours = 12.0",
            "clearance_hours = -12.0",
            r"customs\.9610\.clearance_hours",
            r"expected a number >= 0, got -12\.0",
        ),
        (
            'name = "tiny"',
            "name = 7",
            "name",
            "expected a string, got 7",
        ),
    ],
    ids=["hs_code", "markets", "perishable", "effective", "clearance", "name"],
)
def test_value_of_the_wrong_kind_names_key_and_line(folder, rejected, old, new, field, pattern):
    line = folder.line_of("scenario.toml", old)
    folder.edit("scenario.toml", old, new)
    rejected(folder, rf"scenario\.toml:{line}: {field}: {pattern}")


def test_de_minimis_as_a_string_is_not_read_as_letters(folder, rejected):
    folder.edit("scenario.toml", 'name = "today"\n', 'name = "today"\nde_minimis = "US"\n')
    line = folder.line_of("scenario.toml", 'de_minimis = "US"')
    rejected(
        folder,
        rf"scenario\.toml:{line}: regimes\[1\]\.de_minimis: "
        r"expected a list of countries \(ISO alpha-2 strings\), got US",
    )


def test_regime_named_twice(folder, rejected):
    with (folder / "scenario.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[regimes]]\nname = "today"\n')
    line = len((folder / "scenario.toml").read_text(encoding="utf-8").splitlines())
    rejected(
        folder,
        rf"scenario\.toml:{line}: regimes\[2\]\.name: expected a regime name used once, got today",
    )


def test_shelf_life_misspelled_key_is_no_python_error(folder, rejected):
    folder.edit(
        "scenario.toml",
        "[products.fresh_kiwi.shelf_life]",
        "[products.fresh_kiwi.shelf_life]\nq11 = 2.0",
    )
    line = folder.line_of("scenario.toml", "q11")
    error = rejected(
        folder,
        rf"scenario\.toml:{line}: products\.fresh_kiwi\.shelf_life\.q11: "
        r"expected a key of \[products\.fresh_kiwi\.shelf_life\] \(.*\bq10\b.*\), got q11",
    )
    assert "__init__" not in str(error)


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        ("life_days_at_ref = -1.0", r"life_days_at_ref: expected a finite number > 0, got -1\.0"),
        ('q10 = "steep"', r"q10: expected a list of numbers, got steep"),
        ("q10 = [2.0, 3.0]", r"q10_band_upper_c: expected len\(q10\) - 1 = 1 band edges, got 3"),
    ],
    ids=["negative_life", "q10_text", "q10_bands"],
)
def test_bad_shelf_life_value_names_its_key(folder, rejected, body, pattern):
    folder.edit(
        "scenario.toml",
        "[products.fresh_kiwi.shelf_life]",
        "[products.fresh_kiwi.shelf_life]\n" + body,
    )
    rejected(folder, rf"scenario\.toml:\d+: products\.fresh_kiwi\.shelf_life\.{pattern}")


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (
            'labels = ["2025-W42", "2025-W43"]',
            'labels = "2025-W42"',
            r"periods\.labels: expected a list of 2 strings, got 2025-W42",
        ),
        (
            'labels = ["2025-W42", "2025-W43"]',
            'labels = ["2025-W42", "2025-W43"]\nweeks = 3',
            r"periods\.weeks: expected the number of labels \(2\), got 3",
        ),
        (
            'labels = ["2025-W42", "2025-W43"]',
            "labels = []",
            r"periods\.labels: expected at least one week label, got \[\]",
        ),
    ],
    ids=["labels_string", "weeks_disagree", "no_labels"],
)
def test_bad_periods(folder, rejected, old, new, pattern):
    line = folder.line_of("scenario.toml", old.split("\n")[0])
    folder.edit("scenario.toml", old, new)
    if "weeks" in pattern:
        line += 1
    rejected(folder, rf"scenario\.toml:{line}: {pattern}")


def test_a_solver_coldchain_cannot_stop(folder, rejected):
    # other PuLP solvers run as programs that a signal could neither stop nor keep from
    # outliving the command (issue #20): refused where the scenario is read
    design = 'objective = "cost"\n[design]\nsolver = "glpk"'
    folder.edit("scenario.toml", 'objective = "cost"', design)
    line = folder.line_of("scenario.toml", "solver = ")
    expected = "expected one of highs, cbc, got glpk"
    rejected(folder, rf"scenario\.toml:{line}: design\.solver: {expected}")


def test_a_huge_setting_is_refused_with_the_largest(folder, rejected):
    # 1e308 passed (finite) and overflowed the design model's costs: "status error"
    design = 'objective = "cost"\n[design]\nco2_price_cny_per_t = 1e308'
    folder.edit("scenario.toml", 'objective = "cost"', design)
    line = folder.line_of("scenario.toml", "co2_price_cny_per_t = ")
    expected = r"expected a finite number >= 0, at most 1e12, got 1e\+308"
    rejected(folder, rf"scenario\.toml:{line}: design\.co2_price_cny_per_t: {expected}")
