"""Every `--scale` factor a solve is given is applied by its formulation or refused (exit code 2, naming the field).

Before: `greenllm solve world_2024 --formulation serving --scheme carbon --scale demand=2 --json` recorded
`"scale": {"demand": 2.0}` and returned the unscaled optimum (the fleet rescales demand to its queries per day); the
same for energy_per_token, renewable, water_budget and delay_penalty (serving) and energy_per_token (per_query,
whose energy comes from the hardware catalogue, not from the paper's per-token field).
"""

from pathlib import Path

import pytest

from greenllm.cli import main
from greenllm.errors import InputError
from greenllm.formulations import FORMULATIONS, PerQueryFormulation, ServingFormulation
from greenllm.inputs import SCALABLE_FIELDS, load_scenario
from greenllm.solve import solve
from tests.test_per_query import make

WORLD = Path(__file__).resolve().parents[1] / "data" / "processed" / "world_2024"
REFUSED_BY_SERVING = sorted(set(SCALABLE_FIELDS) - set(ServingFormulation.scale_fields))


def test_every_formulation_states_which_scale_fields_it_applies():
    for cls in FORMULATIONS.values():
        assert set(cls.scale_fields) <= set(SCALABLE_FIELDS)
    assert REFUSED_BY_SERVING == ["delay_penalty", "demand", "energy_per_token", "renewable", "water_budget"]


def test_per_query_applies_energy_per_token_to_the_measured_energy(tmp_path):
    s, inputs = make(tmp_path)
    result = solve(s.scaled("energy_per_token", 2.0), "energy", formulation=PerQueryFormulation(inputs),
                   solver="highs")
    # dc0 measures 60 J per query (40 J above idle + 0.2 accelerator-s x 100 W); twice that is 120 J, 100 J above
    # idle: 3600 queries x 100 J = 0.1 kWh, plus 0.4 accelerators x 100 W idle for the hour = 0.04 kWh
    # (unscaled: 0.08 kWh). dc1 (200 J measured, 180 J above idle, at $0.2/kWh) stays dearer.
    assert result.x[0, :, 0, 0] == pytest.approx([1.0, 0.0], abs=1e-9)
    assert result.grid_kw[:, 0] == pytest.approx([0.14, 0.0], rel=1e-9)
    assert result.costs["energy"] == pytest.approx(0.014, rel=1e-9)


@pytest.fixture(scope="module")
def world():
    if not WORLD.is_dir():
        pytest.skip(f"{WORLD} is not there")
    return load_scenario(WORLD)


@pytest.mark.parametrize("field", REFUSED_BY_SERVING)
def test_serving_refuses_a_scale_field_it_does_not_apply(world, field):
    with pytest.raises(InputError) as err:
        solve(world.scaled(field, 2.0), "carbon", formulation="serving", solver="highs")
    assert str(err.value).startswith(f"--scale {field}=2: the serving formulation does not apply '{field}'")


def test_serving_applies_a_carbon_scale(world):
    base = solve(world, "carbon", formulation="serving", solver="highs")
    doubled = solve(world.scaled("carbon", 2.0), "carbon", formulation="serving", solver="highs")
    assert doubled.objective == pytest.approx(2 * base.objective, rel=1e-6)


def test_the_cli_refuses_an_ignored_scale_with_exit_code_2_and_no_json(world, capsys):
    code = main(["solve", str(WORLD), "--formulation", "serving", "--scheme", "carbon", "--scale", "demand=2",
                 "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1].startswith("error: --scale demand=2: the serving formulation does not apply")
