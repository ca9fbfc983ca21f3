"""What a user writes with the public API; `mypy --strict` must find nothing to say (tests/test_typing.py)."""

from __future__ import annotations

import warnings

import pandas as pd

import sharedcloud_nb as sc
from sharedcloud_nb.demo import DemoServer


def newest_images(client: sc.Client, n: int = 5) -> pd.DataFrame:
    frame: pd.DataFrame = client.images()
    return frame.sort_values("created_at", ascending=False).head(n)


def main() -> None:
    warnings.simplefilter("ignore", sc.DemoDataWarning)
    with DemoServer() as server:
        token: str = sc.login(server.username, server.password, url=server.url)
        with sc.Client(token, url=server.url, timeout=(5.0, 30.0), retries=2) as client:
            newest = newest_images(client)
            first: str = str(newest.index[0])
            record: dict[str, object] = client.get_image(first)
            image: pd.Series = client.image(first)
            card = sc.card(image)
            print(record["name"], card.text.splitlines()[0], client.is_demo)
            frame = sc.images_frame(client.list_images())
            print(len(frame))
            try:
                client.image("00000000-0000-0000-0000-000000000000")
            except sc.NotFoundError as error:
                status: int = error.status
                print(status, error.detail)
            except sc.SharedcloudError as error:
                print(error)


if __name__ == "__main__":
    main()
