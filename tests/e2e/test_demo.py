"""`make demo SPEED=600`: the whole 2017 day through the real API in under three minutes, 81 statements recorded."""

import subprocess
import sys

import httpx

from tests.support.stack import ROOT, Stack


def test_the_demo_replays_the_day_at_600x(tmp_path):
    stack = Stack(tmp_path).start()
    try:
        tokens = tmp_path / "tokens.txt"
        tokens.write_text(f"secretariat {stack.tokens.secretariat}\nchair {stack.tokens.chair}\n")
        demo = subprocess.run(
            [sys.executable, "deploy/demo.py", "--speed", "600", "--tokens", str(tokens)],
            cwd=ROOT,
            env={**stack.env, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        meeting_id = demo.stdout.split("as meeting ")[1].split()[0]
        record = httpx.get(f"{stack['notifier'].url}/v1/meetings/{meeting_id}/record").json()
        assert len(record["speeches"]) == 81
        assert record["not_reached"] == []
        assert {"member_state", "observer_state", "observer_entity", "civil_society"} <= set(record["totals"])
        assert "81 statements recorded, 0 not reached" in demo.stdout
    finally:
        stack.stop()
