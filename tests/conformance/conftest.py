"""Fixtures for the conformance suite: the integration suite's driver and
emulator fixtures (loaded under another module name, since both folders
have a conftest.py), plus a controller set up for one parameter set."""
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))
_spec = importlib.util.spec_from_file_location("integration_fixtures", HERE.parent / "integration" / "conftest.py")
integration = importlib.util.module_from_spec(_spec)
sys.modules["integration_fixtures"] = integration
_spec.loader.exec_module(integration)

from integration_fixtures import csi_pb2, emu_dir, start_driver, start_emulator, workdir  # noqa: E402,F401
