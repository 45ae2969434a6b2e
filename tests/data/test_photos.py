"""The shipped photos: every manifest row has its file, every file its row, every licence its notice."""
from __future__ import annotations

import csv
from pathlib import Path

from enhancelib.data.benchmark import PHOTOS_DIR, read_manifest

REQUIRED_COLUMNS = {"file", "source_package", "original", "license", "author", "url", "width", "height"}


def test_manifest_rows_and_files_match_one_to_one() -> None:
    rows = read_manifest()
    listed = [row["file"] for row in rows]
    on_disk = sorted(p.name for p in PHOTOS_DIR.glob("*.jpg"))
    assert len(listed) == len(set(listed)) == 184
    assert sorted(listed) == on_disk, (
        f"in manifest only: {sorted(set(listed) - set(on_disk))[:5]}, "
        f"on disk only: {sorted(set(on_disk) - set(listed))[:5]}"
    )


def test_manifest_has_attribution_columns_filled() -> None:
    with (PHOTOS_DIR / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert REQUIRED_COLUMNS <= set(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        assert row["license"].strip(), row["file"]
        assert row["source_package"].strip(), row["file"]


def test_every_licence_in_the_manifest_is_explained_in_licenses_md() -> None:
    notice = (PHOTOS_DIR / "LICENSES.md").read_text(encoding="utf-8")
    for licence in {row["license"] for row in read_manifest()}:
        assert f"`{licence}`" in notice, f"LICENSES.md does not mention {licence!r}"
    for url in ("creativecommons.org/publicdomain/zero/1.0", "creativecommons.org/licenses/by-sa/3.0",
                "creativecommons.org/licenses/by-sa/4.0", "gnu.org/licenses"):
        assert url in notice


def test_photo_sizes_match_the_manifest() -> None:
    from PIL import Image

    for row in read_manifest()[::10]:
        with Image.open(Path(PHOTOS_DIR) / row["file"]) as image:
            assert image.size == (int(row["width"]), int(row["height"])), row["file"]
