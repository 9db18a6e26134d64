"""Guards for the project layout: `platform/` must never become a package."""

import importlib
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_platform_folder_is_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists(), (
        "platform/__init__.py shadows Python's standard 'platform' module; remove it"
    )


def test_import_platform_is_the_standard_library():
    module = importlib.import_module("platform")
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(module.__file__).resolve().parent == stdlib
    assert module.system()


def test_import_platform_from_the_project_root_is_the_standard_library():
    # The way manage.py, pytest and the servers run: with the project root first on sys.path.
    code = "import platform, uuid; print(platform.__file__); uuid.uuid4()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert Path(result.stdout.strip()).resolve().parent == Path(sysconfig.get_paths()["stdlib"]).resolve()


def test_core_package_lives_in_platform():
    import meydan

    assert Path(meydan.__file__).resolve().parent == ROOT / "platform" / "meydan"


def test_apps_use_their_folder_name_as_label():
    from django.apps import apps

    for label in ("proposals", "consultations", "live", "themes", "accounts", "meydan"):
        config = apps.get_app_config(label)
        assert Path(config.path).name == label
