"""Saving an images frame to CSV or Parquet and reading it back with the schema's dtypes."""

from __future__ import annotations

import io
import warnings

import pandas as pd
import pytest

import sharedcloud_nb as sc
from sharedcloud_nb.frames import CSV_NA, read_images_csv, read_images_parquet, write_images_csv


@pytest.fixture
def demo(client):
    return client.images()


def odd_frame():
    """Every kind of missing value, an empty description, and a field the schema does not know."""
    records = [
        {
            "uuid": "24b310f8-1405-4928-914f-d5c91272f88a",
            "current_server_time": "05-10-2018 16:45:36",
            "num_installations": None,
            "registry_path": "sharedcloud/web-crawling-python36:latest",
            "updated_at": None,
            "created_at": "22-09-2018 00:45:50",
            "name": "web-crawling",
            "description": "",
            "requires_gpu": None,
            "runtime": None,
            "tag": "latest",
            "gpu_model": "GTX 1080",
        },
        {
            "uuid": "2413a0f8-c105-4928-914f-d5c93173f88a",
            "current_server_time": "05-10-2018 16:45:36",
            "num_installations": 3,
            "registry_path": None,
            "updated_at": "22-09-2018 00:45:50",
            "created_at": None,
            "name": None,
            "description": None,
            "requires_gpu": True,
            "runtime": "python36",
            "tag": None,
            "gpu_model": None,
        },
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return sc.images_frame(records)


def test_csv_round_trip_of_the_demo_catalogue(demo, tmp_path):
    path = tmp_path / "images.csv"
    write_images_csv(demo, path)
    back = read_images_csv(path)
    assert back.dtypes.equals(demo.dtypes)
    pd.testing.assert_frame_equal(back, demo, check_index_type=True)
    assert (back["description"] == "").sum() == 2  # empty descriptions stay empty, not missing


def test_csv_round_trip_keeps_missing_values_apart_from_empty_strings(tmp_path):
    frame = odd_frame()
    path = tmp_path / "odd.csv"
    write_images_csv(frame, path)
    assert CSV_NA in path.read_text()
    back = read_images_csv(path)
    pd.testing.assert_frame_equal(back[frame.columns[:-1]], frame[frame.columns[:-1]])
    assert back["description"].iloc[0] == "" and back["description"].isna().iloc[1]
    assert back["gpu_model"].tolist()[0] == "GTX 1080" and pd.isna(back["gpu_model"].iloc[1])


def test_csv_from_plain_to_csv_reads_too(demo):
    buffer = io.StringIO()
    demo.to_csv(buffer)
    buffer.seek(0)
    back = read_images_csv(buffer)
    pd.testing.assert_frame_equal(back, demo)


def test_csv_round_trip_of_an_empty_frame(tmp_path):
    empty = sc.images_frame([])
    write_images_csv(empty, tmp_path / "empty.csv")
    back = read_images_csv(tmp_path / "empty.csv")
    assert back.empty
    assert list(back.columns) == list(empty.columns)
    assert [str(t) for t in back.dtypes] == [str(t) for t in empty.dtypes]
    assert back.index.name == "uuid" and back.index.dtype == empty.index.dtype


def test_csv_without_uuid_is_refused():
    with pytest.raises(ValueError, match="no uuid column"):
        read_images_csv(io.StringIO("name,runtime\nstandard,python36\n"))


def test_csv_value_that_does_not_fit_names_its_column():
    text = "uuid,name,num_installations\n24b310f8-1405-4928-914f-d5c91272f88a,standard,many\n"
    with pytest.raises(ValueError, match="'num_installations'"):
        read_images_csv(io.StringIO(text))
    text = "uuid,requires_gpu\n24b310f8-1405-4928-914f-d5c91272f88a,maybe\n"
    with pytest.raises(ValueError, match=r"'requires_gpu'.*maybe"):
        read_images_csv(io.StringIO(text))


def test_parquet_round_trip_keeps_dtypes_and_attrs(demo, tmp_path):
    path = tmp_path / "images.parquet"
    demo.to_parquet(path)
    back = read_images_parquet(path)
    pd.testing.assert_frame_equal(back, demo, check_index_type=True)
    assert back.attrs == {"source": "demo"}


def test_parquet_round_trip_with_missing_values(tmp_path):
    frame = odd_frame()
    frame.to_parquet(tmp_path / "odd.parquet")
    back = read_images_parquet(tmp_path / "odd.parquet")
    pd.testing.assert_frame_equal(back, frame)
