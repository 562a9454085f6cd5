"""docker-compose.yml without Docker: services, images, commands and settings match the code."""

import importlib
import pkgutil
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

import txng
from txng.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
ENV_TEMPLATE = ROOT / "deploy" / "env.example"
INGESTERS = sorted(name for name in SERVICES if name.startswith("ingest-"))
ONE_SHOT = {"migrate", "db-roles", "broker-init", "broker-admin"}
LONG_RUNNING = sorted(set(SERVICES) - ONE_SHOT)
# Processes whose settings each service's TXNG_* variables must belong to.
SERVICE_SETTINGS = {
    "ingest": ("cloud.settings.ingest", "IngestSettings"),
    "api": ("cloud.settings.api", "ApiSettings"),
    "forward": ("cloud.settings.forward", "ForwardSettings"),
    "broker-admin": ("cloud.settings.broker", "BrokerAdminSettings"),
    "db-roles": ("cloud.settings.roles", "DbRolesSettings"),
}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _env_template() -> dict[str, str]:
    entries = {}
    for line in ENV_TEMPLATE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            entries[key.strip()] = value
    return entries


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} and $$, from `env`."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match[1], match[2], match[3]
        if name in env and env[name] != "":
            return env[name]
        if kind and kind.endswith("-"):
            return rest
        raise AssertionError(f"${{{name}}} is not set by {ENV_TEMPLATE.name}")

    return _VARIABLE.sub(one, value).replace("$$", "$")


def _settings_classes() -> tuple[dict[str, type[BaseSettings]], list[str]]:
    """Every BaseSettings class with the TXNG_ prefix in a `*settings` module or package of ours."""
    found: dict[str, type[BaseSettings]] = {}
    problems = []
    for package in ("cloud", "edge", "txng"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if not any(part.endswith("settings") for part in info.name.split(".")[1:]):
                continue
            try:
                loaded = importlib.import_module(info.name)
            except ImportError as err:
                problems.append(f"{info.name}: {err}")
                continue
            for value in vars(loaded).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseSettings)
                    and value is not BaseSettings
                    and value.model_config.get("env_prefix") == "TXNG_"
                ):
                    found[f"{value.__module__}.{value.__name__}"] = value
    return found, problems


SETTINGS, IMPORT_PROBLEMS = _settings_classes()


def _fields(cls: type[BaseSettings]) -> set[str]:
    return {f"TXNG_{name.upper()}" for name in cls.model_fields}


def _known_variables() -> set[str]:
    known = set().union(*(_fields(cls) for cls in SETTINGS.values()))
    try:  # the portal simulator reads TXNG_PORTAL_SIM_<FAULT> for each of its fault switches
        from cloud.portal_sim.faults import Faults

        known |= {f"TXNG_PORTAL_SIM_{name.upper()}" for name in Faults.model_fields}
    except ImportError:
        pass
    return known


def _environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    assert isinstance(env, dict), f"{service}: write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def _role(service: str) -> str | None:
    command = SERVICES[service].get("command") or []
    if command[:2] == ["txng", "cloud"]:
        return command[2]
    return service if service in ("broker-admin", "db-roles") else None


def test_the_services_of_issue_8_are_there():
    assert set(SERVICES) >= {
        "timescaledb",
        "mosquitto",
        "migrate",
        "api",
        "forward",
        "portal-sim",
        "broker-admin",
    }
    assert len(INGESTERS) >= 2


def test_external_images_are_pinned_and_ours_is_built_at_the_package_version():
    for name, service in SERVICES.items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image} is not pinned"
    assert re.fullmatch(
        r"timescale/timescaledb:2\.\d+\.\d+-pg1[56]", SERVICES["timescaledb"]["image"]
    )
    assert re.fullmatch(r"eclipse-mosquitto:2\.0\.\d+", SERVICES["mosquitto"]["image"])
    ours = {s["image"] for s in SERVICES.values() if "build" in s}
    assert ours == {f"txng:{txng.__version__}"}


def test_the_dockerfile_is_multi_stage_non_root_and_installs_the_cloud_extra():
    builds = {s["build"]["dockerfile"] for s in SERVICES.values() if "build" in s}
    assert len(builds) == 1
    text = (ROOT / builds.pop()).read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    assert re.search(r'pip install "?\.\[cloud\]"?', text)
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", text, re.M)
    assert base and re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+", base[1])
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    for source in re.findall(r"^COPY (?:--\S+ )*(\S+) ", text, re.M):
        if not source.startswith("/"):
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_txng_commands_exist_in_the_cli(service):
    command = SERVICES[service].get("command")
    if not command or command[0] != "txng":
        return
    assert isinstance(command, list), f"{service}: give the command as a list"
    try:
        build_parser().parse_args(command[1:])
    except SystemExit as err:
        if command[1:3] == ["devices", "--help"] and err.code == 0:
            return
        pytest.fail(f"{service}: `{' '.join(command)}` is not a txng command")


def test_settings_modules_import():
    assert not IMPORT_PROBLEMS, IMPORT_PROBLEMS
    for module, cls in SERVICE_SETTINGS.values():
        if cls is not None:
            assert f"{module}.{cls}" in SETTINGS, f"{module}.{cls} not found"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_txng_variables_are_fields_of_the_processes_settings(service):
    names = {key for key in _environment(service) if key.startswith("TXNG_")}
    assert names <= _known_variables(), f"{service}: unknown {names - _known_variables()}"
    role = _role(service)
    if role not in SERVICE_SETTINGS or not names:
        return
    module, cls_name = SERVICE_SETTINGS[role]
    classes = [cls for key, cls in SETTINGS.items() if key.startswith(f"{module}.")]
    if not classes:
        pytest.skip(f"{module} is not there yet: {service}'s variables checked against all")
    if cls_name is not None:
        classes = [SETTINGS[f"{module}.{cls_name}"]]
    allowed = set().union(*(_fields(cls) for cls in classes))
    assert names <= allowed, f"{service}: {names - allowed} are not fields of {module}"


def test_the_env_template_names_only_real_settings_and_compose_variables():
    template = _env_template()
    txng_names = {key for key in template if key.startswith("TXNG_")}
    assert txng_names <= _known_variables(), txng_names - _known_variables()
    used = set(_VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    required = {name for name, kind, _ in used if kind != ":-"}
    others = {key for key in template if not key.startswith("TXNG_")}
    assert required <= set(template), f"not in the template: {required - set(template)}"
    assert others <= {name for name, _, _ in used}, f"unused: {others - {n for n, _, _ in used}}"


def test_ingesters_settings_validate_with_the_template_values():
    from cloud.settings.ingest import IngestSettings

    template = {k: v for k, v in _env_template().items() if k.startswith("TXNG_")}
    for service in INGESTERS:
        env = {**template, **_environment(service)}
        resolved = {
            key[len("TXNG_") :].lower(): _interpolate(value, _env_template())
            for key, value in env.items()
            if f"TXNG_{key[len('TXNG_') :]}" in _fields(IngestSettings)
        }
        settings = IngestSettings(**resolved)
        assert settings.mqtt.username == "txng-ingest" and settings.mqtt.host == "mosquitto"


def test_ingesters_share_one_group_with_distinct_client_ids():
    groups = {_environment(s).get("TXNG_INGEST_SHARE_GROUP") for s in INGESTERS}
    ids = [_environment(s).get("TXNG_INGEST_CLIENT_ID") for s in INGESTERS]
    assert len(groups) == 1 and None not in groups
    assert None not in ids and len(set(ids)) == len(ids)
    for service in INGESTERS:
        assert SERVICES[service]["command"] == ["txng", "cloud", "ingest"]


def test_no_secrets_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()
    for user, password in re.findall(r"://([^:/@\s]+):([^@\s]+)@", text):
        assert password.startswith("${"), f"literal password for {user}"
    for name in SERVICES:
        for key, value in _environment(name).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|KEY", key) and not key.endswith("_FILE"):
                assert str(value).startswith("${"), f"{name}: {key} has a literal value"
    template = _env_template()
    for key, value in template.items():
        if re.search(r"PASSWORD|SECRET|TOKEN", key):
            assert value == "CHANGE_ME", f"{ENV_TEMPLATE.name}: {key} must be a placeholder"


def test_env_file_is_the_copy_of_the_template_and_is_not_committed():
    for name, service in SERVICES.items():
        if "build" in service:
            assert service["env_file"] == [".env"], name
    assert "/.env" in (ROOT / ".gitignore").read_text().split()
    assert "cp deploy/env.example .env" in (ROOT / "docker-compose.yml").read_text()


def test_volumes_are_named_and_declared_and_binds_exist():
    declared = set(COMPOSE.get("volumes") or {})
    used = set()
    for name, service in SERVICES.items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                allowed_missing = {"./deploy/certs"}  # made by deploy/mosquitto/make-certs.sh
                assert source in allowed_missing or (ROOT / source).exists(), f"{name}: {source}"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
                used.add(source)
    assert used == declared
    assert any(v.endswith(":/var/lib/postgresql/data") for v in SERVICES["timescaledb"]["volumes"])
    assert any(v.endswith(":/mosquitto/data") for v in SERVICES["mosquitto"]["volumes"])


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_have_health_checks_and_restart(service):
    spec = SERVICES[service]
    assert spec["healthcheck"]["test"], service
    assert spec["restart"] in ("unless-stopped", "always"), service


@pytest.mark.parametrize(
    ("service", "port_variable"),
    [*((name, "TXNG_INGEST_METRICS_PORT") for name in INGESTERS),
     ("forward", "TXNG_FORWARD_STATUS_PORT")],
)
def test_worker_processes_are_checked_on_their_workers_health(service, port_variable):
    test = SERVICES[service]["healthcheck"]["test"]
    port = _environment(service)[port_variable]
    assert test == ["CMD", "txng-healthcheck", "ready", f"http://127.0.0.1:{port}/healthz"]


def test_one_shot_jobs_do_not_restart_and_tools_sit_behind_profiles():
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["command"] == ["txng", "db", "migrate"]
    assert "portal-sim" in SERVICES["portal-sim"]["profiles"]
    assert SERVICES["broker-admin"]["profiles"] == ["tools"]
    assert "profiles" not in SERVICES["forward"] and "profiles" not in SERVICES["ingest-1"]


@pytest.mark.parametrize("service", [*INGESTERS, "api", "forward", "broker-admin"])
def test_processes_start_after_the_migration_completed(service):
    depends = SERVICES[service]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["timescaledb"]["condition"] == "service_healthy"
    if service in INGESTERS:
        assert depends["mosquitto"]["condition"] == "service_healthy"


def test_migrate_waits_for_a_healthy_database():
    assert SERVICES["migrate"]["depends_on"]["timescaledb"]["condition"] == "service_healthy"


def test_the_broker_runs_the_production_config_with_its_files_mounted():
    spec = SERVICES["mosquitto"]
    config_mount = next(v for v in spec["volumes"] if v.startswith("./deploy/mosquitto/"))
    source, target = config_mount.split(":")[:2]
    assert spec["command"] == ["mosquitto", "-c", target]
    config = (ROOT / source).read_text()
    assert re.search(r"^allow_anonymous false$", config, re.M)
    assert not re.search(r"^(password_file|acl_file) ", config, re.M)  # one path: dynsec
    targets = {v.split(":")[1] for v in spec["volumes"]}
    for key in ("plugin_opt_config_file", "cafile", "certfile", "keyfile", "persistence_location"):
        path = re.search(rf"^{key} (\S+)$", config, re.M)
        assert path, key
        assert any(path[1].startswith(t.rstrip("/") + "/") for t in targets), f"{key} not mounted"
    assert re.search(r"^plugin /usr/lib/mosquitto_dynamic_security\.so$", config, re.M)
    # the devices' listener makes every client id its user name
    device_listener = config.split("listener 8883", 1)[1].split("listener ", 1)[0]
    assert re.search(r"^use_username_as_clientid true$", device_listener, re.M)
    assert spec["ports"] == ["8883:8883"]


def test_broker_init_writes_the_file_the_broker_reads_before_it_starts():
    config = (ROOT / "deploy" / "mosquitto" / "mosquitto.conf").read_text()
    dynsec_file = re.search(r"^plugin_opt_config_file (\S+)$", config, re.M)[1]
    init = SERVICES["broker-init"]
    assert init["command"][:4] == ["txng", "broker", "init", dynsec_file]
    volume = next(v for v in SERVICES["mosquitto"]["volumes"] if v.startswith("mosquitto-auth:"))
    assert volume in init["volumes"] and dynsec_file.startswith(volume.split(":")[1] + "/")
    assert init["user"] == "1883:1883" and init["restart"] == "no"
    depends = SERVICES["mosquitto"]["depends_on"]
    assert depends["broker-init"]["condition"] == "service_completed_successfully"
    args = build_parser().parse_args(init["command"][1:])
    template = _env_template()
    assert args.admin_password_env in template
    assert all(spec.split("=")[1] in template for spec in args.account)


@pytest.mark.parametrize("service", ["api", "broker-admin"])
def test_the_api_and_the_tool_change_accounts_as_the_brokers_admin(service):
    url = _interpolate(_environment(service)["TXNG_BROKER_ADMIN_URL"], _env_template())
    assert url == "mqtt://txng-admin:CHANGE_ME@mosquitto:1883"
    assert "volumes" not in SERVICES[service] or not any(
        v.startswith("mosquitto-auth:") for v in SERVICES[service]["volumes"]
    )


def test_the_brokers_health_check_passes_on_the_secured_broker_and_fails_when_down(mosquitto):
    if subprocess.run(["which", "mosquitto_sub"], capture_output=True).returncode != 0:
        pytest.skip("mosquitto_sub is not installed")
    test = SERVICES["mosquitto"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    broker = mosquitto(with_tls=False)
    broker.bootstrap()
    command = test[1].replace("$$", "$").replace("-p 1883", f"-p {broker.port}")

    def healthy() -> bool:
        return subprocess.run(["sh", "-c", command], timeout=10).returncode == 0

    broker.start()
    try:
        assert healthy()
    finally:
        broker.stop()
    assert not healthy()
    assert shlex.split(command)[0] == "mosquitto_sub"


@pytest.mark.parametrize(
    "service, user",
    [
        *((name, "txng_ingest") for name in INGESTERS),
        ("api", "txng_api"),
        ("forward", "txng_forward"),
    ],
)
def test_each_service_connects_with_its_own_least_privilege_role(service, user):
    url = _environment(service)["TXNG_DATABASE_URL"]
    assert url.startswith(f"postgresql://{user}:")
    depends = SERVICES[service]["depends_on"]
    assert depends["db-roles"]["condition"] == "service_completed_successfully"


def test_the_roles_are_set_after_each_migration_by_the_owner():
    assert SERVICES["db-roles"]["command"] == ["txng", "db", "roles"]
    assert SERVICES["db-roles"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    env = _environment("db-roles")
    assert env["TXNG_DATABASE_URL"].startswith("postgresql://txng:")
    passwords = {"TXNG_DB_PASSWORD_INGEST", "TXNG_DB_PASSWORD_API", "TXNG_DB_PASSWORD_FORWARD"}
    assert passwords <= set(env)
