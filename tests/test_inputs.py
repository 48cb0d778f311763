"""Loading a scenario folder: every kind of bad input gets one message naming the file, column and rows."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from greenllm.errors import InputError
from greenllm.inputs import FILES, load_scenario, write_scenario
from greenllm.synthetic import random_tables


@pytest.fixture
def folder(tmp_path):
    tables, scalars = random_tables(n_areas=3, n_dcs=2, n_types=2, n_hours=4, seed=1)
    return write_scenario(tmp_path / "scn", tables, scalars)


def edit(folder, stem, change):
    path = folder / f"{stem}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False)
    return path


def set_cells(folder, stem, rows, column, values):
    """Overwrite the text of some cells of one file (rows count from 0 after the header)."""
    def change(frame):
        frame.loc[rows, column] = values
        return frame
    return edit(folder, stem, change)


def test_a_full_precision_folder_reads_back_bit_identical(tmp_path):
    tables, scalars = random_tables(seed=3)
    scenario = load_scenario(write_scenario(tmp_path / "a", tables, scalars, full_precision=True))
    queries = tables["demand"].sort_values(["area", "type", "hour"])["queries"].to_numpy()
    assert np.array_equal(scenario.queries.ravel(), queries)
    price = tables["dc_hour"].sort_values(["dc", "hour"])["price_usd_per_kwh"].to_numpy()
    assert np.array_equal(scenario.price_usd_per_kwh.ravel(), price)
    assert scenario.water_budget_l == scalars["water_budget_l"]


def test_a_written_folder_reads_back_its_values_to_ten_significant_digits(tmp_path):
    tables, scalars = random_tables(seed=3)
    scenario = load_scenario(write_scenario(tmp_path / "a", tables, scalars))
    price = tables["dc_hour"].sort_values(["dc", "hour"])["price_usd_per_kwh"].to_numpy()
    assert not np.array_equal(scenario.price_usd_per_kwh.ravel(), price)  # the random floats have 17 digits
    np.testing.assert_allclose(scenario.price_usd_per_kwh.ravel(), price, rtol=5e-10, atol=0)
    assert scenario.water_budget_l == pytest.approx(scalars["water_budget_l"], rel=5e-10)


def test_last_digit_noise_in_a_builder_does_not_change_the_written_files(tmp_path):
    """Another machine's maths library may change the last bits of a computed input: the folder's bytes stay."""
    tables, scalars = random_tables(seed=3)
    noisy = {stem: frame.copy() for stem, frame in tables.items()}
    column = noisy["dc_hour"]["renewable_kw"]
    noisy["dc_hour"]["renewable_kw"] = column * (1 + 4 * np.finfo(float).eps)
    assert not noisy["dc_hour"]["renewable_kw"].equals(column)
    noisy_scalars = {**scalars, "water_budget_l": scalars["water_budget_l"] * (1 + 2 * np.finfo(float).eps)}
    a = write_scenario(tmp_path / "a", tables, scalars)
    b = write_scenario(tmp_path / "b", noisy, noisy_scalars)
    for path in sorted(a.iterdir()):
        assert (b / path.name).read_bytes() == path.read_bytes(), path.name


def test_built_utc_repeats_on_a_rebuild_from_the_same_inputs(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    tables, scalars = random_tables(seed=3)
    files = [{"path": "x/a.csv", "retrieved_utc": "2025-01-02T03:04:05Z"},
             {"path": "x/b.csv", "retrieved_utc": "2025-02-01T00:00:00Z"}]
    provenance = {"scenario": "t", "built_utc": None, "builder": "tests", "series": {"s": {"files": files}}}
    first = write_scenario(tmp_path / "a", tables, scalars, provenance=provenance)
    text = (first / "provenance.json").read_text()
    assert json.loads(text)["built_utc"] == "2025-02-01T00:00:00Z"  # the newest input's date, not the clock
    second = write_scenario(tmp_path / "a", tables, scalars, provenance=provenance)
    assert (second / "provenance.json").read_text() == text
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    third = write_scenario(tmp_path / "c", tables, scalars, provenance=provenance)
    assert json.loads((third / "provenance.json").read_text())["built_utc"] == "2023-11-14T22:13:20Z"
    no_files = {**provenance, "series": {}}
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    fourth = write_scenario(tmp_path / "d", tables, scalars, provenance=no_files)
    assert json.loads((fourth / "provenance.json").read_text())["built_utc"] is None


def test_paper_folder_loads_with_its_sizes(paper_v1_dir):
    s = load_scenario(paper_v1_dir)
    assert (s.n_areas, s.n_dcs, s.n_types, s.n_hours, s.n_resources) == (9, 9, 5, 24, 3)
    assert s.queries.sum() == 692248  # total demand stated in the reference README
    raw = pd.read_csv(paper_v1_dir / "demand.csv")
    row = raw[(raw.hour == 7) & (raw.area == 2) & (raw.type == 1)].iloc[0]
    assert s.queries[2, 1, 7] == row.queries and s.token_size_kb[2, 1, 7] == row.token_size_kb


def test_missing_file(folder):
    (folder / "dc_hour.csv").unlink()
    with pytest.raises(InputError, match=r"dc_hour\.csv: file missing"):
        load_scenario(folder)


def test_missing_column(folder):
    edit(folder, "dc_hour", lambda f: f.drop(columns="carbon_kg_per_kwh"))
    with pytest.raises(InputError, match=r"dc_hour\.csv: missing column 'carbon_kg_per_kwh'"):
        load_scenario(folder)


def test_non_numeric_value_names_line_and_keys(folder):
    set_cells(folder, "demand", 5, "queries", "lots")
    with pytest.raises(InputError) as err:
        load_scenario(folder)
    message = str(err.value)
    assert "demand.csv, column 'queries': 1 non-numeric value" in message
    assert "line 7" in message and "'lots'" in message


def test_empty_value(folder):
    set_cells(folder, "datacenters", 0, "pue", "")
    with pytest.raises(InputError, match=r"datacenters\.csv, column 'pue': 1 empty value"):
        load_scenario(folder)


def test_negative_values_are_counted_and_the_first_shown(folder):
    set_cells(folder, "demand", [3, 8], "queries", ["-40", "-1"])
    with pytest.raises(InputError) as err:
        load_scenario(folder)
    message = str(err.value)
    assert "demand.csv, column 'queries': 2 rows are negative" in message
    assert "line 5" in message and "-40" in message


def test_pue_below_one_is_rejected(folder):
    set_cells(folder, "datacenters", 1, "pue", "0.9")
    with pytest.raises(InputError, match=r"datacenters\.csv, column 'pue': 1 row is below the minimum 1"):
        load_scenario(folder)


def test_duplicate_key(folder):
    edit(folder, "area_dc", lambda f: pd.concat([f, f.iloc[[2]]], ignore_index=True))
    with pytest.raises(InputError, match=r"area_dc\.csv: duplicate key \(area, dc\) in 2 rows"):
        load_scenario(folder)


def test_unknown_id(folder):
    set_cells(folder, "dc_hour", 0, "dc", "7")
    with pytest.raises(InputError, match=r"dc_hour\.csv, column 'dc': 1 row names a dc that does not exist in datacenters\.csv"):
        load_scenario(folder)


def test_incomplete_coverage_names_a_missing_combination(folder):
    edit(folder, "demand", lambda f: f.drop(index=4))
    with pytest.raises(InputError, match=r"demand\.csv: incomplete coverage: 23 rows for 24 combinations"):
        load_scenario(folder)


def test_infinite_value(folder):
    set_cells(folder, "dc_hour", 2, "renewable_kw", "inf")
    with pytest.raises(InputError, match=r"dc_hour\.csv, column 'renewable_kw'.*not finite"):
        load_scenario(folder)


def test_zero_bandwidth_is_rejected(folder):
    set_cells(folder, "area_dc", 0, "bandwidth_mbps", "0")
    with pytest.raises(InputError, match=r"area_dc\.csv, column 'bandwidth_mbps'"):
        load_scenario(folder)


def test_scalars_need_a_water_budget(folder):
    (folder / "scalars.json").write_text(json.dumps({"seed": 1}))
    with pytest.raises(InputError, match=r"scalars\.json, field 'water_budget_l': missing"):
        load_scenario(folder)


def test_scalars_must_be_json(folder):
    (folder / "scalars.json").write_text("{water: ")
    with pytest.raises(InputError, match=r"scalars\.json: not valid JSON"):
        load_scenario(folder)


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        load_scenario(tmp_path / "nope")


def test_failed_write_leaves_the_existing_folder_untouched(folder):
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    tables, scalars = random_tables(n_areas=3, n_dcs=2, n_types=2, n_hours=4, seed=2)
    tables["demand"].loc[0, "queries"] = -5
    with pytest.raises(InputError, match=r"demand\.csv, column 'queries'"):
        write_scenario(folder, tables, scalars)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no staging left behind


def test_write_replaces_an_existing_folder(folder):
    tables, scalars = random_tables(n_areas=2, n_dcs=2, n_types=1, n_hours=3, seed=5)
    write_scenario(folder, tables, scalars, provenance={"source": "test"})
    scenario = load_scenario(folder)
    assert scenario.n_areas == 2 and scenario.n_hours == 3
    assert json.loads((folder / "provenance.json").read_text()) == {"source": "test"}


def test_every_file_in_the_format_is_required(folder, tmp_path):
    for stem in FILES:
        copy = tmp_path / f"without_{stem}"
        shutil.copytree(folder, copy)
        (copy / f"{stem}.csv").unlink()
        with pytest.raises(InputError, match=f"{stem}.csv: file missing"):
            load_scenario(copy)


@pytest.mark.parametrize("field,attribute", [("price", "price_usd_per_kwh"), ("carbon", "carbon_kg_per_kwh"),
                                             ("renewable", "renewable_kw"), ("demand", "queries"),
                                             ("delay_penalty", "delay_penalty_usd_per_s")])
def test_scaling_multiplies_exactly_one_field(folder, field, attribute):
    s = load_scenario(folder)
    scaled = s.scaled(field, 0.4)
    assert np.array_equal(getattr(scaled, attribute), getattr(s, attribute) * 0.4)
    assert np.array_equal(scaled.carbon_tax_usd_per_kg, s.carbon_tax_usd_per_kg)


def test_scaling_energy_per_token_scales_both_directions(folder):
    s = load_scenario(folder)
    scaled = s.scaled("energy_per_token", 1.9)
    assert np.allclose(scaled.energy_per_query_kwh, 1.9 * s.energy_per_query_kwh, rtol=1e-14)


def test_unknown_scale_field(folder):
    with pytest.raises(InputError, match="unknown field 'tax'"):
        load_scenario(folder).scaled("tax", 2.0)


def test_optional_per_query_tables_are_written_and_validated(tmp_path):
    tables, scalars = random_tables(n_areas=2, n_dcs=2, n_types=1, n_hours=2, seed=6)
    tables["dc_hardware"] = pd.DataFrame({"dc": [0, 1], "accelerator": ["A100", "A100"], "count": [8, 16]})
    folder = write_scenario(tmp_path / "hw", tables, scalars)
    assert pd.read_csv(folder / "dc_hardware.csv")["count"].tolist() == [8, 16]
    tables["dc_hardware"]["accelerator"] = ["A100", "TPU-v9"]
    with pytest.raises(InputError, match=r"dc_hardware\.csv, column 'accelerator': 1 row names an accelerator"):
        write_scenario(tmp_path / "bad", tables, scalars)
    assert not (tmp_path / "bad").exists()


def test_unknown_tables_are_refused(tmp_path):
    tables, scalars = random_tables(seed=6)
    tables["weather"] = pd.DataFrame({"x": [1]})
    with pytest.raises(InputError, match="unknown tables weather"):
        write_scenario(tmp_path / "w", tables, scalars)


def test_the_fast_check_coerces_exactly_as_the_pandera_schema(tmp_path):
    """Valid files skip pandera: the plain-numpy path must give the same frame, bit for bit, and defer every
    invalid file to pandera."""
    import pandas as pd

    from greenllm import inputs

    folder = write_scenario(tmp_path / "s", *random_tables(seed=3))
    for stem, spec in FILES.items():
        frame = pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False, na_values=[""])
        fast = inputs._coerce_if_valid(frame, spec)
        assert fast is not None, stem
        pd.testing.assert_frame_equal(fast, inputs._schema(spec).validate(frame, lazy=True), check_exact=True)
    frame = pd.read_csv(folder / "dc_hour.csv", dtype=str)
    for column, bad in (("renewable_kw", "-1"), ("price_usd_per_kwh", "inf"), ("dc", "-2")):
        assert inputs._coerce_if_valid(frame.assign(**{column: bad}), FILES["dc_hour"]) is None
    assert inputs._coerce_if_valid(pd.concat([frame, frame.iloc[:1]]), FILES["dc_hour"]) is None
