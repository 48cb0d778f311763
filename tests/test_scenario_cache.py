"""The validated binary cache of scenario folders (greenllm.scenario_cache): hits, invalidation, damage."""

import logging
import os
import zipfile

import numpy as np
import pandas as pd
import pytest

from greenllm import scenario_cache, year
from greenllm.errors import InputError
from greenllm.inputs import load_scenario
from greenllm.scenario_cache import CACHE_DIRNAME, CACHE_ENV, cache_file, load_cached
from greenllm.synthetic import write_random_scenario

FIELDS = ("area_names", "dc_names", "type_names", "resource_names", *scenario_cache._ARRAY_FIELDS, "water_budget_l",
          "scalars", "path")


@pytest.fixture
def folder(tmp_path):
    return write_random_scenario(tmp_path / "data" / "two_days", n_areas=2, n_dcs=2, n_types=2, n_hours=48, seed=7)


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def assert_same(a, b):
    for name in FIELDS:
        left, right = getattr(a, name), getattr(b, name)
        if isinstance(left, np.ndarray):
            assert left.dtype == right.dtype and np.array_equal(left, right), name
        else:
            assert left == right, name


def load(folder, cache):
    return load_cached(folder, cache_dir=cache, min_bytes=0)


def fail_if_validated(monkeypatch):
    def refuse(folder):
        raise AssertionError(f"load_scenario({folder}) called: expected a cache hit")

    monkeypatch.setattr(scenario_cache, "load_scenario", refuse)


def test_a_hit_returns_the_validated_scenario_without_reading_the_csvs(folder, cache, monkeypatch):
    first = load(folder, cache)
    assert_same(first, load_scenario(folder))
    assert cache_file(folder, cache).is_file()
    fail_if_validated(monkeypatch)
    assert_same(load(folder, cache), first)


def test_a_changed_file_is_a_miss_even_with_the_same_size_and_mtime(folder, cache):
    load(folder, cache)
    path = folder / "dc_hour.csv"
    info = path.stat()
    frame = pd.read_csv(path, dtype=str)
    old = frame.loc[3, "price_usd_per_kwh"]
    new = old[:-1] + ("1" if old[-1] != "1" else "2")  # same length: same size
    frame.loc[3, "price_usd_per_kwh"] = new
    frame.to_csv(path, index=False)
    assert path.stat().st_size == info.st_size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    fresh = load(folder, cache)
    assert_same(fresh, load_scenario(folder))
    hour, dc = int(frame.loc[3, "hour"]), int(frame.loc[3, "dc"])
    assert fresh.price_usd_per_kwh[dc, hour] == float(new)


def test_an_invalid_change_still_fails_validation(folder, cache):
    load(folder, cache)
    good = (folder / "demand.csv").read_bytes()
    frame = pd.read_csv(folder / "demand.csv")
    frame.loc[0, "queries"] = -5
    frame.to_csv(folder / "demand.csv", index=False)
    with pytest.raises(InputError, match=r"demand\.csv, column 'queries'"):
        load(folder, cache)
    (folder / "demand.csv").write_bytes(good)
    load(folder, cache)
    (folder / "scalars.json").unlink()
    with pytest.raises(InputError, match=r"scalars\.json: file missing"):
        load(folder, cache)


def _flip_a_byte_of(path, member):
    """Change one byte in the array data of a member of the npz (zip) file."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + int.from_bytes(
        data[info.header_offset + 28:info.header_offset + 30], "little")
    data[start + info.file_size - 3] ^= 0xFF  # inside the last float, past the .npy header
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped"])
def test_a_damaged_cache_file_falls_back_to_a_fresh_load(folder, cache, damage, monkeypatch, caplog):
    expected = load(folder, cache)
    path = cache_file(folder, cache)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not an npz file")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # the zip member's CRC no longer matches
        _flip_a_byte_of(path, "queries.npy")
    with caplog.at_level(logging.WARNING, logger="greenllm.scenario_cache"):
        assert_same(load(folder, cache), expected)
    assert "unreadable" in caplog.text
    fail_if_validated(monkeypatch)  # the fresh load rewrote the cache whole
    assert_same(load(folder, cache), expected)


def test_a_cache_of_another_folder_is_not_used(folder, cache, tmp_path):
    load(folder, cache)
    other = write_random_scenario(tmp_path / "other" / "two_days", n_areas=2, n_dcs=2, n_types=2, n_hours=48,
                                  seed=8)
    assert cache_file(other, cache) != cache_file(folder, cache)
    os.replace(cache_file(folder, cache), cache_file(other, cache))  # same name, other content: the key differs
    assert_same(load(other, cache), load_scenario(other))


def test_default_location_is_beside_the_folder_and_leaves_the_folder_alone(folder, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    before = sorted(p.name for p in folder.iterdir())
    load_cached(folder, min_bytes=0)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert [p.suffix for p in (folder.parent / CACHE_DIRNAME).iterdir()] == [".npz"]


def test_the_environment_variable_moves_or_disables_the_cache(folder, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "elsewhere"))
    load_cached(folder, min_bytes=0)
    assert cache_file(folder, tmp_path / "elsewhere").is_file()
    monkeypatch.setenv(CACHE_ENV, "off")
    load_cached(folder, min_bytes=0)
    assert not (folder.parent / CACHE_DIRNAME).exists()


def test_small_folders_and_unwritable_caches_load_directly(folder, tmp_path):
    assert_same(load_cached(folder, cache_dir=tmp_path / "small"), load_scenario(folder))  # below MIN_BYTES
    assert not (tmp_path / "small").exists()
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert_same(load_cached(folder, cache_dir=blocker / "cache", min_bytes=0), load_scenario(folder))


def test_year_windows_read_the_folder_through_the_cache(folder, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(scenario_cache, "MIN_BYTES", 0)
    year._load.cache_clear()
    row = year.solve_window(folder, 1, mode="persistence")
    assert cache_file(folder, tmp_path / "cache").is_file()
    year._load.cache_clear()
    fail_if_validated(monkeypatch)
    assert year.solve_window(folder, 1, mode="persistence")["total_usd"] == row["total_usd"]
