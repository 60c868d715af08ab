from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.errors import InputError
from lineage.ingest import decode, outlet_from_url, parse_date, read_articles


def test_reads_seed_folder_sorted_with_inferred_dates(seeds_dir: Path) -> None:
    result = read_articles([seeds_dir])
    ids = [a.id for a in result.articles]
    assert ids == sorted(ids) and len(ids) == 5
    by_id = {a.id: a for a in result.articles}
    assert by_id["002_08cca51948fe13df"].published == "2024-11-26"
    assert by_id["003_8fb36132de6cafbd"].published == "2024-10-28"
    assert by_id["003_8fb36132de6cafbd"].provenance["published"] == "text"
    assert by_id["000_1c4def8d7fbf4333"].published is None
    assert all(a.language == "de" for a in result.articles)
    assert len(result.inputs) == 5 and all(len(i["sha256"]) == 64 for i in result.inputs)


def test_bad_inputs_are_rejected_and_batch_goes_on(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Laut Merkur sind 1.100 Soldaten gefallen.", "utf-8")
    (tmp_path / "empty.txt").write_text("  \n", "utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG" * 20)
    (tmp_path / "batch.jsonl").write_text(
        json.dumps({"id": "j1", "text": "Ein Text."})
        + "\n"
        + "{not json\n"
        + json.dumps({"id": "j3"})
        + "\n"
        + json.dumps(["a", "list"])
        + "\n",
        "utf-8",
    )
    (tmp_path / "empty_dir").mkdir()
    result = read_articles([tmp_path, tmp_path / "empty_dir", tmp_path / "missing.txt"])
    assert sorted(a.id for a in result.articles) == ["good", "j1"]
    reasons = {(Path(r.path).name, r.line): r.reason for r in result.rejected}
    assert reasons[("empty.txt", None)] == "empty file"
    assert reasons[("binary.txt", None)].startswith("binary file")
    assert reasons[("batch.jsonl", 2)].startswith("invalid JSON")
    assert reasons[("batch.jsonl", 3)] == "no text (field 'text' missing or empty)"
    assert reasons[("batch.jsonl", 4)] == "line is not a JSON object"
    assert reasons[("missing.txt", None)] == "no such file or folder"
    assert "no .txt" in reasons[("empty_dir", None)]
    assert str(result.rejected[0]).count(":") >= 1


def test_strict_raises_first_error_with_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "b.jsonl"
    f.write_text('{"id": "1", "text": "ok"}\n{broken\n', "utf-8")
    with pytest.raises(InputError) as err:
        read_articles([f], strict=True)
    assert err.value.line == 2
    assert str(err.value).startswith(f"{f}:2: invalid JSON")


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "x", "text": "eins"}\n{"id": "x", "text": "zwei"}\n', "utf-8")
    result = read_articles([f])
    assert len(result.articles) == 1
    assert result.rejected[0].line == 2
    assert f"first seen at {f}:1" in result.rejected[0].reason


def test_legacy_encoding_falls_back_and_says_so(tmp_path: Path) -> None:
    f = tmp_path / "alt.txt"
    f.write_bytes("Südkoreas Militärführung äußerte sich über die Lage.".encode("cp1252"))
    art = read_articles([f]).articles[0]
    assert "Südkoreas" in art.text
    assert art.encoding != "utf-8"


def test_html_extraction_keeps_metadata(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Titel</title>"
        '<meta property="og:url" content="https://www.merkur.de/politik/a.html">'
        '<meta name="date" content="2024-11-26"></head><body><article><h1>Nordkoreas Soldaten</h1>'
        "<p>Nach aktuellen Schätzungen des südkoreanischen Generalstabs seien bereits rund "
        "1.100 nordkoreanische Soldaten getötet oder verletzt worden.</p>"
        "<p>Die Verluste sind höher als bisher angenommen, heißt es in der Erklärung.</p>"
        "</article></body></html>"
    )
    (tmp_path / "page.html").write_text(html, "utf-8")
    art = read_articles([tmp_path / "page.html"]).articles[0]
    assert "1.100" in art.text
    assert art.published == "2024-11-26" and art.provenance["published"] == "html"
    assert art.url == "https://www.merkur.de/politik/a.html"
    assert art.outlet


def test_stdin_jsonl_and_key_mapping() -> None:
    stream = io.StringIO(json.dumps({"uid": "s1", "body": "Text aus der Pipeline."}) + "\n")
    result = read_articles(["-"], text_key="body", id_key="uid", stdin=stream)
    assert [a.id for a in result.articles] == ["s1"]


def test_metadata_file_overrides_and_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Ein Artikel über Nordkorea.", "utf-8")
    meta = tmp_path / "meta.csv"
    meta.write_text("file,outlet,published,url\na.txt,merkur.de,2024-11-01,https://merkur.de/x\n")
    art = read_articles([tmp_path / "a.txt"], metadata=meta).articles[0]
    assert (art.outlet, art.published) == ("merkur.de", "2024-11-01")
    assert art.provenance["outlet"] == "metadata"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("26. November, 2024", "2024-11-26"),
        ("Veröffentlicht: 28. Oktober 2024", "2024-10-28"),
        ("Published October 28, 2024", "2024-10-28"),
        ("Stand 03.02.2025", "2025-02-03"),
        ("31. Februar 2024", None),
        ("keine Angabe", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_outlet_from_url() -> None:
    assert outlet_from_url("https://www.merkur.de/politik/x.html") == "merkur.de"
    assert outlet_from_url("www.sueddeutsche.de") == "sueddeutsche.de"


def test_decode_rejects_empty_and_binary() -> None:
    with pytest.raises(InputError, match="empty file"):
        decode(b"   ", "x.txt")
    with pytest.raises(InputError, match="binary"):
        decode(b"abc\x00def", "x.txt")


def test_language_detection_german_english_and_unsure() -> None:
    from lineage.ingest import detect_language

    german = "Der Krieg in der Ukraine ist nicht zu Ende, und die Lage bleibt."
    assert detect_language(german) == "de"
    assert detect_language("The war in Ukraine is not over, and it is getting worse.") == "en"
    assert detect_language("1.100 / 600.000 / JCS / NATO") == "und"
    fr = "Le chat est sur la table et il ne dort pas dans la maison."
    assert detect_language(fr, ("de", "en", "fr")) == "fr"


_LANG_WORDS = ["der", "die", "und", "the", "and", "of", "le", "la", "et", "İstanbul", "ñandú",
               "straße", "DER", "Die", "x_y", "ü", "été", "là", "1.100", "über", "ist", "is",
               "\U0001d400bc", "the\u0301", "de", "het", "een", "derñ", "theñx", "undñd",
               "ñ", "ñund", "también", "tambiénes", "thes", "ands"]  # fmt: skip


_LANGS = [("de", "en"), ("de", "en", "fr", "nl"), ("en",), ("xx", "de"), ("es", "de")]


@given(st.lists(st.lists(st.sampled_from(_LANG_WORDS), max_size=60).map(" ".join), max_size=5),
       st.sampled_from(_LANGS))  # fmt: skip
def test_detect_languages_equals_detect_language(texts: list[str], langs: tuple[str, ...]) -> None:
    from lineage.ingest import detect_language, detect_languages

    assert detect_languages(texts, langs) == [detect_language(t, langs) for t in texts]


@given(st.lists(st.text(max_size=80), max_size=4))
def test_detect_languages_on_any_text(texts: list[str]) -> None:
    from lineage.ingest import detect_language, detect_languages

    assert detect_languages(texts) == [detect_language(t) for t in texts]


def test_detect_languages_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from lineage import ingest

    texts = ["der die und das ist", "the and of is a", "x", "le la et les", "und the der"] * 3
    monkeypatch.setattr(ingest, "LANGUAGE_BATCH", 2)
    assert ingest.detect_languages(texts) == [ingest.detect_language(t) for t in texts]


def test_truncated_jsonl_line_names_the_column_where_it_broke(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    f.write_text('{"id": "a", "text": "fine text here"}\n{"id": "b", "text": \n', "utf-8")
    [rejected] = read_articles([f]).rejected
    assert rejected.line == 2
    assert rejected.reason == "invalid JSON (Expecting value at column 21)"  # not column 1


def test_unterminated_string_reads_as_one_phrase(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    f.write_text('{"id": "b", "text": "kaputt\n', "utf-8")
    [rejected] = read_articles([f]).rejected
    assert rejected.reason == "invalid JSON (Unterminated string starting at column 21)"


def test_lone_surrogate_rejects_the_line_not_the_batch(tmp_path: Path) -> None:
    f = tmp_path / "feed.jsonl"
    f.write_text('{"id": "a", "text": "Hallo \\ud800 Welt"}\n'
                 '{"id": "a", "text": "fine text, same id"}\n'
                 '{"id": "c", "text": "ok", "title": "T \\udfff"}\n'
                 '{"id": "d", "text": "Emoji \\ud83d\\ude00 paired"}\n', "utf-8")  # fmt: skip
    result = read_articles([f])
    assert [a.id for a in result.articles] == ["a", "d"]  # a rejected line does not claim its id
    assert [(r.line, r.reason) for r in result.rejected] == [
        (1, "field 'text' holds a lone surrogate (U+D800 at character 6), not valid Unicode"),
        (3, "field 'title' holds a lone surrogate (U+DFFF at character 2), not valid Unicode"),
    ]
    with pytest.raises(InputError, match="lone surrogate"):
        read_articles([f], strict=True)
