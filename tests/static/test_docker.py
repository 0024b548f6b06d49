"""What can be checked of docker/ without a Docker engine (none runs on our
machines): the compose file parses and names only pinned images, our image
and programs that exist; every runtime package of the Dockerfile exists in
Debian; every BMDSTREAM_* variable is a setting the programs read; and the
container entrypoint runs the same commands as scripts/demo.sh."""
import os
import re
import subprocess

import pytest
import yaml

ROOT = os.environ["BS_SOURCE_DIR"]
BIN = os.environ["BS_BIN_DIR"]
DOCKER = os.path.join(ROOT, "docker")


@pytest.fixture(scope="module")
def compose():
    with open(os.path.join(DOCKER, "compose.yaml")) as f:
        return yaml.safe_load(f)


def test_images_are_pinned_or_ours(compose):
    for name, svc in compose["services"].items():
        image = svc["image"]
        if image == "bmdstream:latest":
            assert svc["build"]["dockerfile"] == "docker/Dockerfile", name
            continue
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image}"


def test_our_services_run_programs_that_exist(compose):
    entry = open(os.path.join(DOCKER, "entrypoint.sh")).read()
    for name, svc in compose["services"].items():
        if svc["image"] != "bmdstream:latest":
            continue
        cmd = svc["command"][0]
        assert re.search(rf"^\s*(\S+ \| )*{cmd}( \| \S+)*\)", entry, re.M), \
            f"{name}: the entrypoint has no case for {cmd}"
        if cmd in ("tracker", "prefilter", "bmd", "category"):
            assert os.access(os.path.join(BIN, f"bmdstream-{cmd}"), os.X_OK), name
    # Every consumer program we build has a service.
    built = {d for d in os.listdir(os.path.join(ROOT, "consumers"))
             if os.path.exists(os.path.join(ROOT, "consumers", d, "CMakeLists.txt"))}
    served = {svc["command"][0] for svc in compose["services"].values()
              if svc["image"] == "bmdstream:latest"}
    assert built <= served, f"consumers without a service: {built - served}"


def test_environment_names_real_settings(compose):
    usage = subprocess.run([os.path.join(BIN, "bmdstream"), "migrate", "--help"],
                           capture_output=True, text=True, check=True).stdout
    flags = set(re.findall(r"--([a-z0-9-]+)", usage))
    env = dict(compose["x-bmdstream-env"])
    for svc in compose["services"].values():  # our programs' own, e.g. their principal
        if svc.get("image") == "bmdstream:latest" and isinstance(svc.get("environment"), dict):
            env.update(svc["environment"])
    props = subprocess.run(["kcat", "-X", "list"], capture_output=True, text=True).stdout
    for var in env:
        assert var.startswith("BMDSTREAM_")
        if var.startswith("BMDSTREAM_RDKAFKA_"):  # a librdkafka property, '_' as '.'
            prop = var[len("BMDSTREAM_RDKAFKA_"):].lower().replace("_", ".")
            assert re.search(rf"^{re.escape(prop)}\s", props, re.M), f"{var}: no {prop}"
            continue
        flag = var[len("BMDSTREAM_"):].lower().replace("_", "-")
        assert flag in flags, f"{var} is not a setting"


def test_runtime_packages_exist_in_debian():
    text = open(os.path.join(DOCKER, "Dockerfile")).read()
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["debian:12", "debian:12"]
    for block in re.findall(r"apt-get install -y --no-install-recommends(.*?)&&", text, re.S):
        for pkg in block.replace("\\", " ").split():
            out = subprocess.run(["apt-cache", "show", "--no-all-versions", pkg],
                                 capture_output=True, text=True)
            assert out.returncode == 0 and "Package: " + pkg in out.stdout, pkg


def test_entrypoint_runs_the_stack_script_steps(tmp_path):
    entry = os.path.join(DOCKER, "entrypoint.sh")
    assert subprocess.run(["sh", "-n", entry]).returncode == 0
    env = dict(os.environ, PATH=BIN + ":" + os.environ["PATH"],
               BMDSTREAM_SQL_DIR=os.path.join(ROOT, "sql"))
    demo = open(os.path.join(ROOT, "scripts", "demo.sh")).read()
    for step in ("migrate", "acl", "topics"):
        assert f'"$bin/bmdstream" {step}' in demo  # what the stack script runs
        out = subprocess.run([entry, step, "--help"], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert f"usage: bmdstream {step}" in out.stdout
    out = subprocess.run([entry, "tracker", "--help"], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "usage: bmdstream-tracker" in out.stdout
    bad = subprocess.run([entry, "nonsense"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2
