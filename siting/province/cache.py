"""Finished counties kept on disk, so that ``--resume`` re-solves only what is missing.

Each county that gets a plan is saved, as soon as it finishes, to
``.OUT.counties/<key>.pickle`` beside the output folder ``OUT``. The key is the
SHA-256 of the county's id, the whole scenario, the SHA-256 of every input file,
siting's version and the SHA-256 of siting's own source
(:func:`siting._digest.code_sha256`): a county is reused only if nothing that decides
its plan has changed. Files are written to a temporary name and renamed, so a crash
leaves no half county. The folder is removed once a complete plan is written; a
partial plan keeps it for the next ``--resume``.

The files are Python pickles: read only a cache folder that you wrote.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from siting import __version__
from siting._digest import code_sha256
from siting.scenario import Scenario

if TYPE_CHECKING:
    from siting.province.engine import CountyResult

__all__ = ["CountyCache", "cache_folder"]

log = logging.getLogger(__name__)


def cache_folder(out: str | Path) -> Path:
    """The cache of the counties of a run writing to ``out``: ``.OUT.counties`` beside it."""
    target = Path(out).absolute()
    return target.parent / f".{target.name}.counties"


class CountyCache:
    """Finished counties of one scenario and one set of input files.

    Parameters
    ----------
    folder
        Where the counties are kept (:func:`cache_folder`).
    scenario
        The run's scenario.
    hashes
        The SHA-256 of every input file, by role (``Inputs.file_hashes``).
    """

    def __init__(self, folder: Path, *, scenario: Scenario, hashes: Mapping[str, str]) -> None:
        self.folder = Path(folder)
        self._stem = json.dumps(
            {
                "scenario": scenario.to_dict(),
                "inputs": dict(hashes),
                "siting": __version__,
                "code": code_sha256(),
            },
            sort_keys=True,
            default=str,
        )

    def _path(self, district_id: str) -> Path:
        key = hashlib.sha256(f"{district_id}\n{self._stem}".encode()).hexdigest()
        return self.folder / f"{key}.pickle"

    def load(self, district_id: str) -> CountyResult | None:
        """The county's saved result, or ``None`` when it was not finished with these inputs."""
        path = self._path(district_id)
        try:
            with path.open("rb") as handle:
                result: CountyResult = pickle.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
            log.warning("county %s: cannot reuse %s (%s); solving it again", district_id, path, exc)
            return None
        return result if result.district_id == district_id else None

    def save(self, result: CountyResult) -> None:
        """Keep a county that has a plan (a failed county is solved again on resume)."""
        if result.plan is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(result.district_id))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def clear(self) -> None:
        """Remove the folder (after a complete plan is written)."""
        shutil.rmtree(self.folder, ignore_errors=True)
