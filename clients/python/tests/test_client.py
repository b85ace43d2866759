"""The client against a live `genesis serve` (GENESIS_URL, GENESIS_USER,
GENESIS_PASSWORD of an editor in GENESIS_PROJECT)."""

import os

import pytest

from genesis_client import Client, GenesisError

URL = os.environ["GENESIS_URL"]
USER = os.environ["GENESIS_USER"]
PASSWORD = os.environ["GENESIS_PASSWORD"]
PROJECT = os.environ.get("GENESIS_PROJECT", "default")

MANUAL = """
name = "py-lab"
twin = "manual"
budget = 4
seed = 3
planner = "sobol"
[parameters]
temperature = { type = "float", low = 300.0, high = 400.0, unit = "K" }
[objectives.yield_pct]
goal = "maximize"
"""


@pytest.fixture(scope="module")
def client():
    with Client.login(URL, USER, PASSWORD) as c:
        yield c


def test_health_and_wrong_password():
    assert Client(URL).health()["status"] == "ok"
    with pytest.raises(GenesisError) as e:
        Client.login(URL, USER, "not-the-password")
    assert (e.value.status, e.value.code) == (401, "bad_credentials")


def test_ask_tell_loop_and_trials(client):
    c = client.create_campaign(PROJECT, toml=MANUAL)
    assert c.status == "running" and c.data["manual"]
    asked = c.ask(2)
    assert [t["index"] for t in asked] == [0, 1]
    assert 300.0 <= asked[0]["params"]["temperature"] <= 400.0
    c.tell(0, outputs={"yield_pct": 62.5})
    c.tell(1, failed="sensor offline")
    trials = c.trials()
    assert [t["status"] for t in trials] == ["completed", "failed"]
    assert trials[1]["failure_reason"] == "sensor offline"
    assert c.best()["outputs"]["yield_pct"] == 62.5
    assert c.verify()["ok"] is True
    assert c.csv().splitlines()[0].startswith("campaign,index,status,temperature")
    # Telling the same trial twice is refused, with the server's code.
    with pytest.raises(GenesisError) as e:
        c.tell(0, outputs={"yield_pct": 1.0})
    assert e.value.code == "rejected"


def test_a_server_run_campaign_from_a_dict_streams_to_its_end(client):
    c = client.create_campaign(PROJECT, campaign={
        "name": "py-branin", "twin": "bench.branin", "budget": 12, "seed": 1, "planner": "sobol",
        "parameters": {"x1": {"type": "float", "low": -5.0, "high": 10.0, "unit": "1"},
                       "x2": {"type": "float", "low": 0.0, "high": 15.0, "unit": "1"}},
        "objectives": {"f": {"goal": "minimize"}},
    })
    final = c.wait()
    assert final["status"] == "completed"
    assert final["counts"]["completed"] == 12
    assert any(cc.id == c.id for cc in client.campaigns())


def test_trials_frame_when_pandas_is_installed(client):
    pd = pytest.importorskip("pandas")
    c = client.create_campaign(PROJECT, toml=MANUAL.replace("py-lab", "py-frame"))
    t = c.ask(1)[0]
    c.tell(t["index"], outputs={"yield_pct": 50.0})
    df = c.trials_frame()
    assert isinstance(df, pd.DataFrame)
    assert list(df["yield_pct"]) == [50.0]


def test_tokens_for_instruments(client):
    tok = client.create_token(PROJECT, "viewer", "py-test", expires_in_days=1)
    robot = Client(URL, tok["token"])
    assert isinstance(robot.campaigns(), list)
    with pytest.raises(GenesisError) as e:
        robot.create_campaign(PROJECT, toml=MANUAL)
    assert e.value.status == 403
    client.revoke_token(tok["id"])
    with pytest.raises(GenesisError) as e:
        robot.campaigns()
    assert e.value.status == 401
