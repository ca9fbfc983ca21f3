"""The picker and the explorer over ids that are not canonical uuids, and names that are not ASCII.

An edited JSON file may hold upper-case uuids or ids that are no uuid at all: each such image is
listed, so it can be picked (its card comes from the list when the server cannot be asked).
A search for an image's exact name finds it whatever the script: the query and the index are
folded the same way (case, accents and compatibility forms aside).
"""

from __future__ import annotations

import copy
import unicodedata
import warnings

import pyarrow as pa
import pytest
import traitlets

import sharedcloud_nb as sc
from sharedcloud_nb.filters import filter_frame
from sharedcloud_nb.search import ImageIndex, fold

KNOWN = "24b310f8-1405-4928-914f-d5c91272f88a"  # web-crawling, python36, in the API reference
NAMES = ["İzmir", "ΟΔΟΣ", "Straße", "Ǆemal", "ﬁsh", "naïve 🦀"]


@pytest.fixture
def edited(client):
    """The demo listing as someone edited it: one uuid upper-cased, one id that is no uuid."""
    records = copy.deepcopy(client.list_images())
    known = next(record for record in records if record["uuid"] == KNOWN)
    known["uuid"] = KNOWN.upper()
    records[0 if records[0] is not known else 1].update(uuid="my-own-image", name="my own image")
    for record, name in zip(records[2:], NAMES, strict=False):
        if record is not known:
            record["name"] = name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return sc.images_frame(records)


def test_a_listed_upper_case_uuid_is_picked_as_listed_and_read_from_the_server(edited, fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    picker = sc.image_picker(edited, client=client)
    fresh_server.clear_requests()
    picker.search.value = KNOWN[:13]  # the uuid's start, in either case
    assert [value for _, value in picker.select.options] == [KNOWN.upper()]
    picker.select.value = KNOWN.upper()  # a click on its row
    assert picker.value == KNOWN.upper() and picker.select.value == KNOWN.upper()
    assert picker.image is not None and picker.image["name"] == "web-crawling"
    assert [request.path for request in fresh_server.requests] == [f"/api/v1/images/{KNOWN}/"]
    picker.value = None
    picker.value = KNOWN  # the canonical spelling names the listed image
    assert picker.value == KNOWN.upper() and picker.select.value == KNOWN.upper()


def test_an_id_that_is_no_uuid_is_picked_from_the_list_without_a_request(edited, fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    picked = []
    picker = sc.image_picker(edited, client=client, on_pick=picked.append)
    fresh_server.clear_requests()
    picker.search.value = "my own"
    picker.select.value = "my-own-image"
    assert picker.value == "my-own-image" and picker.select.value == "my-own-image"
    assert picker.image is not None and picker.image["name"] == "my own image" and picked == [picker.image]
    assert "its id is not a uuid" in picker.card_text and picker.last_error is None
    assert fresh_server.requests == []
    with pytest.raises(traitlets.TraitError, match="Not a valid uuid"):
        picker.value = "not-listed"  # neither listed nor a uuid: still refused


def test_the_picker_without_a_client_picks_any_listed_id(edited):
    picker = sc.image_picker(edited)
    for listed in (KNOWN.upper(), "my-own-image"):
        picker.select.value = listed
        assert picker.value == listed and picker.image is not None and picker.image.name == listed


@pytest.mark.parametrize("name", NAMES)
def test_an_exact_name_finds_its_image_in_any_script(edited, name):
    index = ImageIndex(edited)
    for query in (name, name.upper(), name.lower(), name.casefold()):
        matches = index.search(query)
        assert name in {index.labels[i].split(" (")[0] for i in matches.shown}, query
    picker = sc.image_picker(edited)
    picker.search.value = name
    assert picker.count_text.startswith("1 of ") and picker.select.options[0][0].startswith(name)


def test_final_sigma_and_sharp_s_fold_alike(edited):
    index = ImageIndex(edited)
    assert index.search("οδοσ").total == index.search("ΟΔΟΣ").total == index.search("οδος").total == 1
    assert index.search("STRASSE").total == index.search("straße").total == 1


def test_the_explorer_shares_the_search_and_the_picks(edited, fresh_server):
    client = sc.Client(fresh_server.token, url=fresh_server.url)
    view = sc.explorer(edited, client=client, debounce=0)
    try:
        for name in NAMES:
            view.filters = {"search": name}
            assert list(view.filtered["name"]) == [name], name
            assert len(filter_frame(edited, {"search": name})) == 1
        view.filters = {"search": ""}
        fresh_server.clear_requests()
        view.selected = "my-own-image"
        assert view.selected == "my-own-image" and "its id is not a uuid" in view.card_text
        assert fresh_server.requests == []
        view.selected = KNOWN
        assert view.selected == KNOWN.upper() and "web-crawling" in view.card_text
        assert [request.path for request in fresh_server.requests] == [f"/api/v1/images/{KNOWN}/"]
        with pytest.raises(traitlets.TraitError):
            view.selected = "not-listed"
    finally:
        view.close()


# A query finds what it names whatever the case, the accents and the compatibility forms
# (full-width letters, ligatures) on either side: (what the catalogue holds, what is typed).
FOLDED = [
    ("İzmir", "izmir"),
    ("İzmir", "IZMIR"),
    ("izmir", "İZMİR"),
    ("Café", "cafe"),
    ("cafe", "CAFÉ"),
    ("Cafe\u0301 au lait", "café"),  # decomposed in the listing, composed in the query
    ("Straße", "strasse"),
    ("STRASSE", "straße"),
    ("ＣＡＦＥ", "cafe"),  # full-width
    ("cafe", "ｃａｆｅ"),
    ("ﬁsh", "fish"),
    ("naïve 🦀", "NAIVE"),
    ("Ǆemal", "dzemal"),
    ("ΟΔΟΣ", "οδος"),
    ("Ἀθῆναι", "αθηναι"),
    ("Ψυχῇ", "ΨΥΧΗΙ"),  # the iota subscript folds to an iota, as str.casefold has it
    ("Ñandú", "nandu"),
]


@pytest.mark.parametrize(("listed", "typed"), FOLDED)
def test_case_accents_and_compatibility_forms_are_folded_on_both_sides(client, listed, typed):
    records = copy.deepcopy(client.list_images())
    records[5]["name"] = listed
    records[6]["description"] = f"Made in {listed}."
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = sc.images_frame(records)
    index = ImageIndex(frame)
    found = {index.uuids[i] for i in index.search(typed).shown}
    assert found == {records[5]["uuid"], records[6]["uuid"]}, (listed, typed)
    assert set(filter_frame(frame, {"search": typed}).index) == found  # the explorer's search too


def _reference_fold(text: str) -> str:
    """Unicode's compatibility caseless form (D145: NFKD(casefold(NFKD(casefold(NFD(x)))))), less nonspacing marks."""
    nf = unicodedata.normalize
    folded = nf("NFKD", nf("NFKD", nf("NFD", text).casefold()).casefold()).casefold()
    return "".join(c for c in nf("NFKD", folded) if unicodedata.category(c) != "Mn")


def test_the_vectorised_fold_is_unicodes_caseless_match_less_the_marks():
    from sharedcloud_nb.search import _folded

    # The scripts and forms a catalogue is written in, stable across Unicode versions: Latin,
    # Greek, Cyrillic, letterlike symbols, ligatures, full-width forms.
    blocks = [(0x80, 0x250), (0x370, 0x400), (0x400, 0x530), (0x1E00, 0x2000), (0x2100, 0x2190), (0xFB00, 0xFB07),
              (0xFF01, 0xFF5F)]  # fmt: skip
    chars = [chr(c) for low, high in blocks for c in range(low, high) if unicodedata.category(chr(c)) != "Cn"]
    texts = [*chars, "İzmir Café Straße ＣＡＦＥ", "ΟΔΟΣ Ἀθῆναι", None]
    folded = _folded(pa.array(texts, type=pa.string())).to_pylist()
    wrong = [(t, f) for t, f in zip(texts, folded, strict=True) if f != _reference_fold(t or "")]
    assert wrong == []
    assert [fold(t or "") for t in texts] == folded  # the query is folded as the index is
