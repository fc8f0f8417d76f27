"""The README's onboarding example is a sources config the product accepts, positional key
included: documentation that a user copies must load."""

from __future__ import annotations

import re
from pathlib import Path

from consolidation.core.sources import KeyPosition, load_sources

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_onboarding_sources_config_loads(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    [example] = [block for block in blocks if "mow_gl:" in block]
    path = tmp_path / "sources.yaml"
    path.write_text(example, encoding="utf-8")
    config = load_sources(path)
    assert set(config.sources) == {"mow_hr", "mow_gl"}
    key = config.sources["mow_gl"].entities["journal"].key
    assert key[0] == "VCH_NO" and isinstance(key[1], KeyPosition)
    assert key[1].ordinal_within == ["VCH_NO"]
