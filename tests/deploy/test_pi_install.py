"""deploy/pi/install.sh in --dry-run mode, and the systemd unit it installs."""

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PI = ROOT / "deploy" / "pi"
SCRIPT = PI / "install.sh"
UNIT = PI / "txng-edge.service"


def _dry_run(*args: str) -> list[str]:
    result = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _actions(lines: list[str]) -> list[str]:
    return [line[2:] for line in lines if line.startswith("+ ")]


def test_dry_run_plans_every_step_in_order(tmp_path):
    config = ROOT / "firmware_configs" / "cold_room.yaml"
    password = tmp_path / "pw"
    password.write_text("not-a-real-password\n")
    actions = _actions(_dry_run("--config", str(config), "--password-file", str(password)))
    joined = "\n".join(actions)

    def position(pattern: str) -> int:
        for index, action in enumerate(actions):
            if re.search(pattern, action):
                return index
        pytest.fail(f"no action matches {pattern!r} in:\n{joined}")

    steps = [
        r"^apt-get update",
        r"apt-get install .*python3-venv",
        r"usermod -a -G dialout txng$",
        r"^install -d -m 0750 -o root -g txng /etc/txng$",
        r"^install -d -m 0750 -o txng -g txng /var/lib/txng$",
        r"^/opt/txng/bin/python -m pip .* wheel --no-deps --wheel-dir \S+ \S+/src$",
        r"^/opt/txng/bin/python -m pip .* install \S+/txng-VERSION-py3-none-any\.whl\[edge\]$",
        rf"^install -m 0640 -o root -g txng {re.escape(str(config))} /etc/txng/device\.yaml$",
        r"/etc/txng/mqtt-password$",
        r"load_config\('/etc/txng/device\.yaml'\)",
        r"journald\.conf\.d/txng\.conf$",
        r"txng-edge\.service /etc/systemd/system/txng-edge\.service$",
        r"^systemctl daemon-reload$",
        r"^systemctl enable txng-edge\.service$",
        r"^systemctl restart txng-edge\.service$",
    ]
    positions = [position(step) for step in steps]
    assert positions == sorted(positions), list(zip(steps, positions, strict=True))
    if subprocess.run(["getent", "group", "video"], capture_output=True).returncode == 0:
        assert "usermod -a -G video txng" in actions
    assert not any("rm " in action or "/var/lib/txng/" in action for action in actions)


def test_dry_run_changes_nothing_and_needs_no_root(tmp_path):
    wheel = tmp_path / "txng-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    lines = _dry_run("--no-start", "--wheel", str(wheel), "--sha256", digest)
    actions = _actions(lines)
    assert "systemctl restart txng-edge.service" not in actions
    assert any(action.endswith(f"install {wheel}[edge]") for action in actions)
    assert not any(" wheel --no-deps" in action for action in actions)  # nothing built
    assert any(line.startswith("# not started") for line in lines)


def test_no_package_source_names_txng_on_an_index(tmp_path):
    """A bare name, an unhashed requirements file or a wheel with another hash is refused."""

    def refused(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["bash", str(SCRIPT), "--dry-run", *args], capture_output=True, text=True, timeout=30
        )
        assert result.returncode != 0 and "+ apt-get" not in result.stdout, result.stdout
        return result

    assert "--package is gone" in refused("--package", "txng[edge]").stderr
    unhashed = tmp_path / "requirements.txt"
    unhashed.write_text("txng[edge]==0.1.0\n")
    assert "no --hash" in refused("--requirements", str(unhashed)).stderr
    wheel = tmp_path / "txng-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"tampered")
    assert "expected" in refused("--wheel", str(wheel), "--sha256", "0" * 64).stderr
    other = tmp_path / "evil-1.0-py3-none-any.whl"
    other.write_bytes(b"x")
    assert "not a txng wheel" in refused("--wheel", str(other)).stderr
    hashed = tmp_path / "locked.txt"
    hashed.write_text("txng[edge]==0.1.0 --hash=sha256:" + "a" * 64 + "\n")
    actions = _actions(_dry_run("--no-start", "--requirements", str(hashed)))
    assert any(a.endswith(f"install --require-hashes -r {hashed}") for a in actions)


def test_the_default_path_installs_the_wheel_of_this_checkout_into_a_clean_venv(tmp_path):
    """No option: a wheel is built from this checkout and installed by file, with its extras."""
    prefix = tmp_path / "venv"
    result = subprocess.run(
        ["bash", str(PI / "install-package.sh"), str(prefix)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    python = prefix / "bin" / "python"
    check = subprocess.run(
        [
            str(python),
            "-c",
            "import json, importlib.metadata as m, edge.agent, cv2, paho.mqtt, pathlib;"
            "d = m.distribution('txng');"
            "print(json.dumps({'url': json.loads(d.read_text('direct_url.json'))['url'],"
            " 'agent': pathlib.Path(edge.agent.__file__).read_text()}))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # not this checkout: the installed package must be the one imported
    )
    assert check.returncode == 0, check.stderr
    installed = json.loads(check.stdout)
    assert installed["url"].startswith("file://") and installed["url"].endswith(".whl")
    assert installed["agent"] == (ROOT / "edge" / "agent.py").read_text()
    assert subprocess.run([str(prefix / "bin" / "txng"), "edge", "--help"]).returncode == 0


def test_unknown_options_and_unreadable_files_are_refused(tmp_path):
    bad = subprocess.run(["bash", str(SCRIPT), "--dry-run", "--frobnicate"], capture_output=True)
    assert bad.returncode == 2
    missing = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", "--config", str(tmp_path / "none.yaml")],
        capture_output=True,
    )
    assert missing.returncode == 1


def test_the_unit_restarts_always_with_a_watchdog_and_the_outbox_in_var_lib():
    text = UNIT.read_text()
    for line in (
        "Type=notify",
        "Restart=always",
        "User=txng",
        "StateDirectory=txng",
        "Environment=TXNG_EDGE_STATE_DIR=/var/lib/txng",
        "ExecStart=/opt/txng/bin/txng edge run /etc/txng/device.yaml",
        "StartLimitIntervalSec=0",
    ):
        assert re.search(rf"^{re.escape(line)}$", text, re.M), line
    watchdog = re.search(r"^WatchdogSec=(\d+)$", text, re.M)
    assert watchdog and int(watchdog[1]) >= 10


def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not available")
    # The unit names /opt/txng/bin/txng, which only exists on an installed Pi: verify a copy
    # that runs /bin/true instead, and check that the original's only complaint is that path.
    unit = tmp_path / "txng-edge.service"
    unit.write_text(UNIT.read_text().replace("/opt/txng/bin/txng", "/bin/true"))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    problems = [
        line for line in (result.stdout + result.stderr).splitlines() if "txng-edge.service" in line
    ]
    assert not problems, problems
    original = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, timeout=60
    )
    for line in (original.stdout + original.stderr).splitlines():
        if "txng-edge.service" in line:
            assert "/opt/txng/bin/txng" in line, line


def test_shellcheck_is_clean():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    scripts = [SCRIPT, PI / "install-package.sh", ROOT / "deploy" / "mosquitto" / "make-certs.sh"]
    result = subprocess.run(["shellcheck", *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
