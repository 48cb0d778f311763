"""paper_v1: built from the recipe and the real zone files it equals the reference; offline it flags a stand-in."""

import argparse
import csv
import hashlib
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from greenllm.data.build import SCENARIOS, build_scenario
from greenllm.data.cli import add_data_commands
from greenllm.errors import DataSourceError, InputError

ZONES = ("US-MIDW-MISO", "US-SE-SEPA", "US-NY-NYIS", "US-MIDW-LGEE", "US-TEX-ERCO",
         "US-NW-PGE", "US-CAL-LDWP", "US-NW-PACE", "US-NW-NEVP")  # dc 0..8, from the reference README


def place_zone_files(real_fixtures, raw, zones=ZONES):
    """Copy the real 2024 zone exports into a tmp raw cache, as a user priming it by hand would."""
    folder = raw / "electricitymaps"
    folder.mkdir(parents=True, exist_ok=True)
    for zone in zones:
        shutil.copy(real_fixtures / "green_llm" / "Carbon" / f"{zone}_2024_hourly.csv", folder)
    return folder


def assert_same_table(built, reference, skip=()):
    assert built.columns.tolist() == reference.columns.tolist()
    assert len(built) == len(reference)
    for column in reference.columns:
        if column in skip:
            continue
        if pd.api.types.is_numeric_dtype(reference[column]):
            np.testing.assert_allclose(built[column].to_numpy(float), reference[column].to_numpy(float),
                                       rtol=0, atol=1e-12, err_msg=column)
        else:
            assert built[column].astype(str).tolist() == reference[column].astype(str).tolist(), column


@pytest.fixture(scope="module")
def built_with_zone_files(real_fixtures, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("paper_v1")
    place_zone_files(real_fixtures, tmp / "raw")
    out = build_scenario("paper_v1", out_root=tmp / "processed", raw_root=tmp / "raw", offline=True)
    return out, tmp / "raw"


def assert_same_folder(out, reference_dir):
    references = sorted(reference_dir.glob("*.csv"))
    assert sorted(p.name for p in out.glob("*.csv")) == [p.name for p in references]
    for reference in references:
        assert_same_table(pd.read_csv(out / reference.name), pd.read_csv(reference))
    assert json.loads((out / "scalars.json").read_text()) == json.loads((reference_dir / "scalars.json").read_text())


def test_build_equals_reference_in_every_number(built_with_zone_files, paper_v1_reference_dir):
    out, _ = built_with_zone_files
    assert_same_folder(out, paper_v1_reference_dir)


def test_committed_paper_v1_equals_the_reference_inputs(paper_v1_dir, paper_v1_reference_dir):
    """What lets every test of the paper's numbers run on the committed folder, without ../shared."""
    assert_same_folder(paper_v1_dir, paper_v1_reference_dir)


def test_floats_are_written_with_full_precision(built_with_zone_files, paper_v1_dir):
    out, _ = built_with_zone_files

    def cells(path):  # every cell parsed by Python's float (correctly rounded), row by row
        with open(path, newline="") as handle:
            return [[float(x) for x in row] for row in list(csv.reader(handle))[1:]]

    assert cells(out / "dc_hour.csv") == cells(paper_v1_dir / "dc_hour.csv")
    assert cells(out / "demand.csv") == cells(paper_v1_dir / "demand.csv")


def test_provenance_records_zone_files_and_synthetic_series(built_with_zone_files):
    out, raw = built_with_zone_files
    provenance = json.loads((out / "provenance.json").read_text())
    carbon = provenance["series"]["dc_hour.carbon_kg_per_kwh"]
    assert provenance["stand_in"] is False and carbon["stand_in"] is False and carbon["synthetic"] is False
    assert [f["zone"] for f in carbon["files"]] == list(ZONES)
    for record in carbon["files"]:
        data = (raw / record["path"]).read_bytes()
        assert record["sha256"] == hashlib.sha256(data).hexdigest()
        assert record["bytes"] == len(data)
        assert record["url"] == "placed by hand" and record["licence"] and record["retrieved_utc"]
    for name in ("dc_hour.price_usd_per_kwh", "demand.queries", "dc_hour.renewable_kw", "scalars.water_budget_l"):
        assert provenance["series"][name]["synthetic"] is True, name


def test_offline_without_zone_files_flags_the_stand_in(tmp_path, paper_v1_dir, capsys):
    out = build_scenario("paper_v1", out_root=tmp_path / "processed", raw_root=tmp_path / "raw", offline=True)
    err = capsys.readouterr().err
    assert "stand-in" in err and "NOT the paper's base case" in err
    provenance = json.loads((out / "provenance.json").read_text())
    carbon = provenance["series"]["dc_hour.carbon_kg_per_kwh"]
    assert provenance["stand_in"] is True and carbon["stand_in"] is True and carbon["synthetic"] is True
    assert carbon["stand_in_dcs"] == list(range(9)) and carbon["files"] == []
    # the stand-in is the flat Google region grid intensity of datacenters.csv (g -> kg)
    dc_hour = pd.read_csv(out / "dc_hour.csv")
    grid = pd.read_csv(paper_v1_dir / "datacenters.csv")["google_grid_gco2_per_kwh"] / 1000
    np.testing.assert_array_equal(dc_hour["carbon_kg_per_kwh"].to_numpy(), grid.to_numpy()[dc_hour["dc"]])
    # everything else is still the recipe's
    assert_same_table(dc_hour, pd.read_csv(paper_v1_dir / "dc_hour.csv"), skip=("carbon_kg_per_kwh",))
    assert_same_table(pd.read_csv(out / "demand.csv"), pd.read_csv(paper_v1_dir / "demand.csv"))


def test_offline_with_some_zone_files_flags_only_the_missing_ones(real_fixtures, tmp_path, paper_v1_dir, capsys):
    place_zone_files(real_fixtures, tmp_path / "raw", zones=ZONES[:8])
    out = build_scenario("paper_v1", out_root=tmp_path / "processed", raw_root=tmp_path / "raw", offline=True)
    assert "US-NW-NEVP" in capsys.readouterr().err
    carbon = json.loads((out / "provenance.json").read_text())["series"]["dc_hour.carbon_kg_per_kwh"]
    assert carbon["stand_in_dcs"] == [8] and carbon["synthetic"] is False
    built = pd.read_csv(out / "dc_hour.csv")
    reference = pd.read_csv(paper_v1_dir / "dc_hour.csv")
    real = built["dc"] < 8
    np.testing.assert_array_equal(built.loc[real, "carbon_kg_per_kwh"], reference.loc[real, "carbon_kg_per_kwh"])


def test_zone_file_of_another_zone_is_refused(real_fixtures, tmp_path):
    folder = place_zone_files(real_fixtures, tmp_path / "raw")
    shutil.copy(real_fixtures / "green_llm" / "Carbon" / "US-CAR-SCEG_2024_hourly.csv",
                folder / "US-SE-SEPA_2024_hourly.csv")
    with pytest.raises(DataSourceError, match='US-SE-SEPA_2024_hourly.csv, column "Zone name".*Southeastern'):
        build_scenario("paper_v1", out_root=tmp_path / "processed", raw_root=tmp_path / "raw", offline=True)
    assert not (tmp_path / "processed" / "paper_v1").exists()


def test_unknown_scenario_lists_the_known_ones(tmp_path):
    with pytest.raises(InputError, match="unknown scenario 'paper_v9'.*paper_v1"):
        build_scenario("paper_v9", out_root=tmp_path)
    assert "paper_v1" in SCENARIOS


def cli(argv):
    parser = argparse.ArgumentParser(prog="greenllm")
    add_data_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_data_build_writes_the_folder(tmp_path, capsys):
    code = cli(["data", "build", "paper_v1", "--offline", "--raw-dir", str(tmp_path / "raw"),
                "--out-dir", str(tmp_path / "out")])
    assert code == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "out" / "paper_v1")
    assert (tmp_path / "out" / "paper_v1" / "demand.csv").is_file()


def test_cli_data_fetch_offline_reports_what_to_place(tmp_path):
    with pytest.raises(DataSourceError, match="US-TEX-ERCO_2024_hourly.csv"):
        cli(["data", "fetch", "electricitymaps", "--zone", "US-TEX-ERCO", "--year", "2024", "--offline",
             "--raw-dir", str(tmp_path)])
