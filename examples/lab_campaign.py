#!/usr/bin/env python3
"""A manual lab campaign driven from Python, notebook style.

The planner on the Genesis server proposes experiments; you run them at the
bench and type in what you measured (or pass --simulate to let a stand-in
function answer); Genesis records every result with its provenance.

    pip install ./clients/python
    python examples/lab_campaign.py --url http://127.0.0.1:8600 --user carol
    python examples/lab_campaign.py --url … --token gnt_… --simulate

The password is read from GENESIS_PASSWORD or asked for; admins add --code.
"""

import argparse
import getpass
import math
import os

from genesis_client import Client

# %% The campaign: two process parameters with units, one objective, a budget.
CAMPAIGN = """
name = "annealing-yield"
description = "Anneal temperature and time for the highest crystalline yield"
twin = "manual"
budget = 12
batch = 3
seed = 11
planner = "bo"

[parameters]
temperature = { type = "float", low = 450.0, high = 650.0, unit = "degC" }
time = { type = "float", low = 0.5, high = 8.0, unit = "h", log = true }

[objectives.yield_pct]
goal = "maximize"
"""


def simulated_bench(temperature, time):
    """A stand-in for the experiment: a yield peak near 560 degC and 3 h."""
    return 92.0 * math.exp(-((temperature - 560.0) / 60.0) ** 2 - (math.log(time / 3.0) / 0.8) ** 2)


def measure(trial, simulate):
    p = trial["params"]
    if simulate:
        return {"yield_pct": round(simulated_bench(p["temperature"], p["time"]), 2)}
    answer = input(f"  trial {trial['index']}: anneal at {p['temperature']:.1f} degC for {p['time']:.2f} h; "
                   "yield % (or 'fail: reason')? ").strip()
    if answer.startswith("fail"):
        return answer.partition(":")[2].strip() or "failed at the bench"
    return {"yield_pct": float(answer)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8600")
    ap.add_argument("--user")
    ap.add_argument("--code", help="TOTP code, for accounts with multi-factor sign-in")
    ap.add_argument("--token", help="an API token instead of a user name and password")
    ap.add_argument("--project", default="default")
    ap.add_argument("--ca", help="CA or self-signed certificate to trust (HTTPS)")
    ap.add_argument("--simulate", action="store_true", help="answer with a stand-in function")
    args = ap.parse_args()
    verify = args.ca or True

    # %% Sign in.
    if args.token:
        g = Client(args.url, args.token, verify=verify)
    else:
        password = os.environ.get("GENESIS_PASSWORD") or getpass.getpass(f"password for {args.user}: ")
        g = Client.login(args.url, args.user, password, code=args.code, verify=verify)

    # %% Create the campaign and run the ask/tell loop batch by batch.
    c = g.create_campaign(args.project, toml=CAMPAIGN)
    print(f"campaign {c.id} ({c.data['name']}): budget {c.data['budget']}")
    while True:
        done = c.refresh().data["counts"]
        remaining = c.data["budget"] - done["completed"] - done["failed"]
        if remaining <= 0:
            break
        batch = c.ask(min(3, remaining))
        results = {t["index"]: measure(t, args.simulate) for t in batch}
        c.tell_many(results)
        best = c.best()
        print(f"  {done['completed'] + len(batch)} measured; best so far: "
              f"{best['outputs']['yield_pct']:.2f} % at {best['params']}")

    # %% Results: the best experiment, the full table, and the provenance check.
    best = c.best()
    print(f"best: trial {best['index']}: {best['outputs']['yield_pct']:.2f} % "
          f"at {best['params']['temperature']:.1f} degC, {best['params']['time']:.2f} h")
    try:
        print(c.trials_frame().round(3).to_string())
    except ImportError:
        print(c.csv())
    print("provenance verifies:", c.verify()["ok"])


if __name__ == "__main__":
    main()
