"""Adversarial inputs: every flag and number has a declared type and range (greenllm.fields) enforced before use;
bad input is one line `error: <file>, <field>: what` with exit code 2, never a traceback or a silent wrong answer."""

import json
import logging
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from greenllm import scenario_cache
from greenllm.errors import InputError, SolverError
from greenllm.fields import FIELDS, LP_MAGNITUDE_LIMIT
from greenllm.inputs import FILES, load_scenario, write_scenario
from greenllm.scenario_cache import cache_file, load_cached
from greenllm.synthetic import random_tables, write_random_scenario
from tests.test_tiny_instance import tiny_tables


def run(*args, env=None):
    """`greenllm ...` in a subprocess: (exit code, the last line of stderr); never a traceback."""
    import os

    proc = subprocess.run([sys.executable, "-m", "greenllm", "-q", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    return proc.returncode, lines[-1] if lines else ""


@pytest.fixture
def tiny(tmp_path):
    return write_scenario(tmp_path / "tiny", *tiny_tables())


def edit_scalars(folder, **changes):
    scalars = json.loads((folder / "scalars.json").read_text())
    (folder / "scalars.json").write_text(json.dumps({**scalars, **changes}))


def set_cell(folder, stem, row, column, value):
    frame = pd.read_csv(folder / f"{stem}.csv", dtype=str)
    frame.loc[row, column] = value
    frame.to_csv(folder / f"{stem}.csv", index=False)


def header_only(folder, stem):
    columns = pd.read_csv(folder / f"{stem}.csv", nrows=0).columns
    (folder / f"{stem}.csv").write_text(",".join(columns) + "\n")


# ---- silent wrong answers ------------------------------------------------------------------------------------------

def test_a_false_string_flag_is_refused_not_truthy(tiny):
    edit_scalars(tiny, grid_within_load="false")
    code, line = run("solve", tiny, "--scheme", "energy")
    assert code == 2
    assert line == f"error: {tiny / 'scalars.json'}, field 'grid_within_load': 'false' is not true or false"


def test_header_only_demand_and_dc_hour_are_an_error_not_an_optimum_of_zero(tiny):
    header_only(tiny, "demand")
    header_only(tiny, "dc_hour")
    code, line = run("solve", tiny, "--scheme", "energy")
    assert code == 2
    assert line == f"error: {tiny / 'demand.csv'}: no rows (only a header); see docs/inputs.md"


@pytest.mark.parametrize("stem", ["dc_resource", "type_resource"])
def test_header_only_resource_tables_are_an_error_not_dropped_constraints(tiny, stem):
    header_only(tiny, "type_resource")
    if stem == "dc_resource":
        header_only(tiny, "dc_resource")
    code, line = run("solve", tiny, "--scheme", "energy")
    assert code == 2
    first = "dc_resource" if stem == "dc_resource" else "type_resource"
    assert line == f"error: {tiny / (first + '.csv')}: no rows (only a header); see docs/inputs.md"


def test_the_same_scale_field_twice_is_an_error_naming_the_field(tiny):
    code, line = run("solve", tiny, "--scheme", "energy", "--scale", "price=2", "--scale", "price=2", "--json")
    assert code == 2
    assert "argument --scale: field 'price' is scaled twice" in line


def test_different_scale_fields_still_combine(tiny):
    proc = subprocess.run([sys.executable, "-m", "greenllm", "-q", "solve", str(tiny), "--scheme", "energy",
                           "--scale", "price=2", "--scale", "demand=0.5", "--json"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scale"] == {"price": 2.0, "demand": 0.5}


def tamper(path, **arrays):
    """Rewrite the cache file at ``path`` with some arrays replaced, keeping its key (as an attacker would)."""
    with np.load(path, allow_pickle=False) as data:
        members = {name: np.array(data[name]) for name in data.files}
    members.update(arrays)
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in members.items():
            with archive.open(name + ".npy", "w") as handle:
                np.lib.format.write_array(handle, value, allow_pickle=False)


@pytest.mark.parametrize("change", [
    lambda s: {"queries": -s.queries},                                # negative demand
    lambda s: {"price_usd_per_kwh": np.full_like(s.price_usd_per_kwh, 1e25)},  # beyond the range
    lambda s: {"pue": np.ones(s.n_dcs + 1)},                          # wrong shape
    lambda s: {"grid_cap_kw": s.grid_cap_kw.astype(np.float32)},      # wrong dtype
])
def test_a_tampered_scenario_cache_is_refused_and_reloaded_never_solved(tmp_path, caplog, change):
    folder = write_random_scenario(tmp_path / "data" / "two_days", n_areas=2, n_dcs=2, n_types=2, n_hours=48, seed=7)
    cache = tmp_path / "cache"
    good = load_cached(folder, cache_dir=cache, min_bytes=0)
    tamper(cache_file(folder, cache), **change(good))
    with caplog.at_level(logging.WARNING, logger="greenllm.scenario_cache"):
        again = load_cached(folder, cache_dir=cache, min_bytes=0)
    assert "unreadable" in caplog.text
    assert np.array_equal(again.queries, good.queries) and (again.queries >= 0).all()
    assert np.array_equal(again.price_usd_per_kwh, good.price_usd_per_kwh)
    assert np.array_equal(again.pue, good.pue)


def test_a_tampered_water_budget_in_the_cache_is_refused(tmp_path):
    folder = write_random_scenario(tmp_path / "data" / "d", n_areas=2, n_dcs=2, n_types=2, n_hours=24, seed=3)
    cache = tmp_path / "cache"
    good = load_cached(folder, cache_dir=cache, min_bytes=0)
    path = cache_file(folder, cache)
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["__meta__"][()]))
    tamper(path, __meta__=np.array(json.dumps({**meta, "water_budget_l": -5.0})))
    assert load_cached(folder, cache_dir=cache, min_bytes=0).water_budget_l == good.water_budget_l


# ---- tracebacks instead of messages --------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["formulation", "per_query_slo"])
@pytest.mark.parametrize("value", [3, ["paper"], {"name": "paper"}, None])
def test_a_non_string_option_is_one_message(tiny, field, value):
    edit_scalars(tiny, **{field: value})
    code, line = run("solve", tiny, "--scheme", "energy")
    assert code == 2
    assert line.startswith(f"error: {tiny / 'scalars.json'}, field {field!r}: {value!r} is not one of")


@pytest.mark.parametrize("value, why", [
    (2**64, "18446744073709551616 is above the maximum 1e+15 [L/day]"),
    (10**400, "is above the maximum 1e+15 [L/day]"),
    (-1, "-1 is negative"),
    ("5", "'5' is not a number"),
    (True, "True is not a number"),
], ids=["2^64", "10^400", "negative", "string", "bool"])
def test_a_water_budget_out_of_range_or_of_the_wrong_type_is_one_message(tiny, value, why):
    edit_scalars(tiny, water_budget_l=value)
    code, line = run("solve", tiny, "--scheme", "energy")
    assert code == 2
    assert line.startswith(f"error: {tiny / 'scalars.json'}, field 'water_budget_l': ") and line.endswith(why)


@pytest.mark.parametrize("weights", ["1e400,1,1", "1e999999999,1,1", "inf,1,1", "nan,1,1", "9" * 5000 + ",1,1"],
                         ids=["1e400", "1e999999999", "inf", "nan", "5000 digits"])
def test_huge_or_non_finite_weights_exit_2_at_once(tiny, weights):
    code, line = run("solve", tiny, "--scheme", "weighted", "--weights", weights)
    assert code == 2
    assert line.startswith("greenllm solve: error: argument --weights: weight E:")


@pytest.mark.parametrize("threads", ["-1", "0", "100000", "1.5", "two"])
def test_threads_outside_one_to_the_cpu_count_exit_2(tiny, threads):
    code, line = run("solve", tiny, "--scheme", "energy", "--threads", threads)
    assert code == 2
    assert "argument --threads:" in line and "from 1 to" in line


def test_threads_within_the_cpu_count_are_accepted(tiny):
    code, line = run("solve", tiny, "--scheme", "energy", "--threads", "1")
    assert code == 0, line


@pytest.mark.parametrize("out_dir, why", [
    ("/dev/null", "exists and is not a folder"),
    ("/dev/null/sub", "cannot create the folder (Not a directory)"),
])
def test_an_output_folder_that_cannot_be_created_exits_2_naming_it(tmp_path, out_dir, why):
    code, line = run("data", "build", "paper_v1", "--offline", "--raw-dir", tmp_path / "raw", "--out-dir", out_dir)
    assert code == 2
    assert line == f"error: --out-dir {out_dir}: {why}"


def test_write_scenario_into_an_uncreatable_folder_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError, match=r"file: exists and is not a folder"):
        write_scenario(blocker / "s", *tiny_tables())


def test_a_model_too_big_for_memory_is_refused_before_building(tmp_path):
    tables, scalars = random_tables(n_areas=200, n_dcs=200, n_types=1, n_hours=200, seed=1)
    folder = write_scenario(tmp_path / "huge", tables, scalars)
    code, line = run("solve", folder, "--scheme", "energy")
    assert code == 2
    assert line.startswith(f"error: {folder}: model too large: 200 areas x 200 data centres x 1 query types x"
                           " 200 hours (3 resources) = 8,000,000 routes")
    assert "above the limit of 6 GB (raise it with --max-model-gb or GREENLLM_MAX_MODEL_GB" in line


def test_the_model_size_limit_is_configurable(tiny):
    code, line = run("solve", tiny, "--scheme", "energy", "--max-model-gb", "1e-9")
    assert code == 2 and "above the limit of 1e-09 GB" in line
    code, line = run("solve", tiny, "--scheme", "energy", env={"GREENLLM_MAX_MODEL_GB": "1e-9"})
    assert code == 2 and "above the limit of 1e-09 GB" in line
    code, line = run("solve", tiny, "--scheme", "energy", env={"GREENLLM_MAX_MODEL_GB": "lots"})
    assert code == 2 and line == "error: environment variable GREENLLM_MAX_MODEL_GB: 'lots' is not a number of" \
                                 " gigabytes > 0"


def test_the_committed_cases_fit_the_default_limit():
    """The largest scaling-benchmark point (n=100, either formulation) and a year-study day stay below it."""
    from greenllm.sizing import DEFAULT_MAX_MODEL_GB, estimate

    class Dims:
        def __init__(self, i, j, k, t, r):
            self.n_areas, self.n_dcs, self.n_types, self.n_hours, self.n_resources = i, j, k, t, r

    assert estimate(Dims(100, 100, 5, 24, 3)).bytes < DEFAULT_MAX_MODEL_GB * 1e9 / 2
    assert estimate(Dims(12, 12, 5, 24, 3)).bytes < 1e8
    assert estimate(Dims(200, 200, 1, 200, 3)).bytes > DEFAULT_MAX_MODEL_GB * 1e9


# ---- wrong exit class: extreme but finite inputs --------------------------------------------------------------------

@pytest.mark.parametrize("stem, column, value, why", [
    ("demand", "queries", "1e17", "1 row is above the maximum 1e+12 [queries/slot] (first: line 2 (hour 0, area 0,"
                                  " type 0): 1e+17)"),
    ("dc_hour", "price_usd_per_kwh", "1e25", "1 row is above the maximum 1000 [$/kWh] (first: line 2 (hour 0, dc 0):"
                                             " 1e+25)"),
    ("dc_hour", "grid_cap_kw", "1e25", "1 row is above the maximum 1e+12 [kW] (first: line 2 (hour 0, dc 0): 1e+25)"),
    ("dc_hour", "wue_l_per_kwh", "inf", "1 row is not finite (first: line 2 (hour 0, dc 0): inf)"),
    ("datacenters", "pue", "0.5", "1 row is below the minimum 1 [-] (first: line 2 (dc 0): 0.5)"),
    ("area_dc", "bandwidth_mbps", "0", "1 row is not above the minimum 0 [Mbit/s] (first: line 2 (area 0, dc 0): 0.0)"),
])
def test_extreme_numbers_are_bad_input_naming_file_column_and_line(tiny, stem, column, value, why):
    set_cell(tiny, stem, 0, column, value)
    if column == "grid_cap_kw":
        set_cell(tiny, "dc_hour", 0, "price_usd_per_kwh", "-0.5")  # the case: a negative price as well
    code, line = run("solve", tiny, "--scheme", "energy")
    assert code == 2
    assert line == f"error: {tiny / (stem + '.csv')}, column {column!r}: {why}"


def test_scaling_beyond_a_range_is_bad_input(tiny):
    code, line = run("solve", tiny, "--scheme", "energy", "--scale", "demand=1e14")
    assert code == 2
    assert line == ("error: --scale demand=1e+14, demand.csv column 'queries': 1 value is above the maximum 1e+12"
                    " [queries/slot] (allowed: >= 0 and <= 1e+12)")


def test_in_range_numbers_whose_products_exceed_what_a_solver_can_hold_are_named(tmp_path):
    tables, scalars = tiny_tables()
    tables["demand"]["queries"] = [1e12]
    tables["demand"]["token_size_kb"] = [1e6]  # transmission term 1e6 x 1e12 x 20 / 1000 = 2e16
    folder = write_scenario(tmp_path / "big", tables, scalars)
    code, line = run("solve", folder, "--scheme", "energy")
    assert code == 2
    assert line.startswith(f"error: {folder}: numbers too extreme to solve: constraint family 'delay_cap' holds 2e+16,"
                           f" beyond {LP_MAGNITUDE_LIMIT:g}")
    assert "token_size_kb" in line and "bandwidth_mbps" in line


def test_numerical_trouble_is_reported_as_such_naming_the_likely_field(tiny, monkeypatch):
    from greenllm import solve as solve_module
    from greenllm.backends import HighsBackend

    monkeypatch.setattr(HighsBackend, "solve", lambda self: ("Unknown", None, float("nan")))
    s = load_scenario(tiny).scaled("demand", 1e9)
    with pytest.raises(SolverError) as err:
        solve_module.solve(s, "energy", solver="highs", verify=False)
    assert err.value.exit_code == 4
    assert str(err.value).startswith("numerical trouble: highs stopped with status 'Unknown' on finite inputs")
    assert "queries (demand.csv) up to 1e+11" in str(err.value)


# ---- exact messages -----------------------------------------------------------------------------------------------

def test_messages_are_grammatical_and_ids_are_plain_ints(tiny):
    set_cell(tiny, "type_resource", 0, "resource", "3")
    code, line = run("solve", tiny, "--scheme", "energy")
    assert code == 2
    assert line == (f"error: {tiny / 'type_resource.csv'}, column 'resource': 1 row names a resource that does not"
                    " exist in the resource ids of dc_resource.csv (valid: 0..0; first: line 2 (type 0, resource 3):"
                    " 3)")
    assert "np." not in line and "is is" not in line


def test_every_value_column_has_a_declared_range_documented_in_inputs_md():
    from pathlib import Path

    from greenllm.inputs import OPTIONAL_FILES

    columns = {c for spec in FILES.values() for c in spec.values}
    columns |= {c for spec, _ in OPTIONAL_FILES.values() for c in spec.values} | {"utilisation_cap", "water_budget_l"}
    assert columns == set(FIELDS)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "inputs.md").read_text()
    for name, field in FIELDS.items():
        assert f"| `{name}` | `{field.file}` |" in doc, name
