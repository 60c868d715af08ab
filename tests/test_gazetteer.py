"""Source gazetteer: names, inflected forms, abbreviations, domains, user files."""

from __future__ import annotations

import pytest

from lineage.errors import ConfigError
from lineage.gazetteer import (
    Gazetteer,
    Source,
    default_gazetteer,
    name_key,
    outlet_id_for,
    provisional_id,
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


@pytest.mark.parametrize(
    ("mention", "sid"),
    [
        ("des südkoreanischen Generalstabs", "jcs-kr"),
        ("der südkoreanische Generalstab", "jcs-kr"),
        ("Südkoreas Militärführung", "jcs-kr"),
        ("Joint Chiefs of Staff", "jcs-kr"),
        ("JCS", "jcs-kr"),
        ("Die südkoreanische Geheimdienstbehörde", "nis-kr"),
        ("den südkoreanischen Geheimdienst", "nis-kr"),
        ("NIS", "nis-kr"),
        ("dem Pentagon", "pentagon"),
        ("des Pentagons", "pentagon"),
        ("Süddeutsche", "sueddeutsche"),
        ("SZ", "sueddeutsche"),
        ("Merkur", "merkur"),
        ("www.merkur.de", "merkur"),
        ("Mark Rutte", "nato"),
        ("Rutte", "nato"),
    ],
)
def test_resolve(gaz, mention, sid):
    src = gaz.resolve(mention)
    assert src is not None and src.id == sid


def test_abbreviations_are_case_sensitive(gaz):
    assert gaz.resolve("sz") is None
    assert gaz.resolve("Jcs") is None


def test_spokesperson_is_reported(gaz):
    assert gaz.lookup("Sabrina Singh") == ("pentagon", "Sabrina Singh")


def test_find_in_longer_phrase(gaz):
    tokens = ["Sabrina", "Singh", ",", "eine", "Sprecherin", "des", "Pentagon"]
    hit = gaz.find_in(tokens)
    assert hit is not None and hit[2] == "pentagon"


def test_common_words_only_when_allowed(gaz):
    tokens = ["Die", "Welt", "schaut", "gebannt"]
    assert gaz.find_in(tokens, allow_common=False) is None
    assert gaz.find_in(tokens, allow_common=True)[2] == "welt"
    assert gaz.sources["welt"].common_word


def test_domains(gaz):
    assert gaz.by_domain("https://www.sueddeutsche.de/politik/x-1.234") == "sueddeutsche"
    assert gaz.by_domain("en.yna.co.kr") == "yonhap"
    assert gaz.by_domain("example.org") is None
    assert outlet_id_for("www.merkur.de") == "merkur"
    assert outlet_id_for("Süddeutsche Zeitung") == "sueddeutsche"
    assert outlet_id_for("Unbekanntes Blatt") is None


def test_countries_are_blocked(gaz):
    assert gaz.is_blocked("Russlands")
    assert gaz.is_blocked("Südkorea")
    assert not gaz.is_blocked("NATO")


def test_every_source_is_well_formed(gaz):
    for src in gaz.sources.values():
        assert isinstance(src, Source)
        assert src.id and src.name and src.type
        assert len(src.country) in (0, 2)
        assert set(src.to_dict()) >= {"id", "name", "type", "country", "domains"}


def test_user_file_adds_and_overrides(tmp_path):
    extra = tmp_path / "my.toml"
    extra.write_text(
        '[sources.merkur]\nname = "Merkur (mine)"\ntype = "outlet"\ncountry = "DE"\n'
        'domains = ["merkur.de"]\n\n'
        '[sources.heimatblatt]\nname = "Heimatblatt"\ntype = "outlet"\n'
        'domains = ["heimatblatt.example"]\n',
        encoding="utf-8",
    )
    gaz = Gazetteer.load([extra])
    assert gaz.sources["merkur"].name == "Merkur (mine)"
    assert gaz.by_domain("heimatblatt.example") == "heimatblatt"
    assert gaz.resolve("Heimatblatt").id == "heimatblatt"


def test_bad_user_file_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[sources.x]\nname = "X"\ntype = "newspaper"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="type 'newspaper'"):
        Gazetteer.load([bad])
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError, match="cannot read sources file"):
        Gazetteer.load([missing])


def test_keys_and_provisional_ids():
    assert name_key("des südkoreanischen Generalstabs") == name_key(
        "der südkoreanische Generalstab"
    )
    assert provisional_id("den Weser Boten") == "provisional:weser-boten"
    assert provisional_id("Ärzte ohne Grenzen") == "provisional:aerzte-ohne-grenzen"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("merkur.de", True), ("outlet-03.example", True), ("www.spiegel.de", True),
     ("Spiegel.de", True), ("z.B", False), ("10.000", False), ("u.a", False),
     ("St.Pauli", False), ("Merkur", False)],
)  # fmt: skip
def test_is_domain(word, expected):
    from lineage.gazetteer import is_domain

    assert is_domain(word) is expected
